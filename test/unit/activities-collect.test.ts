// collectBatch reads a finished batch's lines by custom_id, never by position: valid answers are
// stored once, answers that break the output schema and provider errors become classified
// failures, and requests the files never mention are failures too.
import { createCollectActivities } from '../../activities/batch/collect';
import type { ItemResult, ProviderBatch } from '../../providers';
import type { RunStore } from '../../store';
import * as fake from '../support/fake-provider';

let store: RunStore;
fake.useTestStore((opened) => (store = opened));

const outputSchema = {
  type: 'object',
  properties: { label: { type: 'string' } },
  required: ['label'],
};
const usage = { inputTokens: 10, outputTokens: 5 };

function collect(runId: string, batch: ProviderBatch, lines: ItemResult[], stopReason?: string) {
  const provider = fake.fakeProvider({
    readResults: async function* () {
      yield* lines;
    },
  });
  const { collectBatch } = createCollectActivities({ store, providers: fake.registryOf(provider) });
  return fake.quietActivityEnvironment().run(collectBatch, {
    runId,
    chunk: 0,
    strike: 1,
    batch,
    spec: fake.testSpec({ outputSchema }),
    stopReason,
  });
}

describe('collectBatch', () => {
  it('matches by custom_id, validates, stores successes and classifies every failure', async () => {
    await fake.planRequests(store, 'run-c', ['a', 'b', 'c', 'd', 'e', 'f']);
    // Out of order, with a line that is not ours: position means nothing.
    const outcome = await collect('run-c', fake.providerBatch('batch-c'), [
      { customId: 'c', ok: true, content: '{"label":"refund"}', usage },
      { customId: 'stranger', ok: true, content: '{"label":"x"}', usage },
      { customId: 'a', ok: true, content: '{"label":"billing"}', usage },
      { customId: 'b', ok: true, content: '{"wrong":1}', usage },
      { customId: 'd', ok: false, status: 400, code: 'invalid_request_error', message: 'bad request' },
      { customId: 'e', ok: false, status: 500, message: 'server error' },
    ]);
    expect(outcome).toEqual({ succeeded: 2, failed: 4, retryable: 3, unknown: 1 });
    const { results, failures } = await fake.storedOutcomes(store, 'run-c');
    expect(results.map((r) => [r.dedup_key, r.parsed])).toEqual([
      ['a', { label: 'billing' }],
      ['c', { label: 'refund' }],
    ]);
    expect(failures.map((f) => [f.dedup_key, f.kind, f.retryable])).toEqual([
      ['b', 'schema_violation', true],
      ['d', 'invalid_request', false],
      ['e', 'server_error', true],
      ['f', 'missing_output', true], // in neither file
    ]);
    expect(failures.find((f) => f.dedup_key === 'f')?.error).toBe('no answer in batch batch-c (completed)');
  });

  it('stores nothing twice when it runs again', async () => {
    await fake.planRequests(store, 'run-again', ['a', 'b']);
    const lines: ItemResult[] = [
      { customId: 'a', ok: true, content: '{"label":"x"}', usage },
      { customId: 'b', ok: true, content: '{"label":"y"}', usage },
    ];
    expect(await collect('run-again', fake.providerBatch('batch-r'), lines)).toMatchObject({ succeeded: 2 });
    expect(await collect('run-again', fake.providerBatch('batch-r'), lines)).toEqual({
      succeeded: 0,
      failed: 0,
      retryable: 0,
      unknown: 0,
    });
    expect((await fake.storedOutcomes(store, 'run-again')).results).toHaveLength(2);
  });

  it('names the batch failure for the items of a failed batch', async () => {
    await fake.planRequests(store, 'run-failed', ['a', 'b']);
    const outcome = await collect(
      'run-failed',
      fake.providerBatch('batch-f', { status: 'failed', errors: ['line 1: duplicate custom_id'] }),
      [],
    );
    expect(outcome).toEqual({ succeeded: 0, failed: 2, retryable: 2, unknown: 0 });
    const { failures } = await fake.storedOutcomes(store, 'run-failed');
    expect(failures.map((f) => [f.dedup_key, f.kind, f.error])).toEqual([
      ['a', 'batch_failed', 'batch batch-f failed: line 1: duplicate custom_id'],
      ['b', 'batch_failed', 'batch batch-f failed: line 1: duplicate custom_id'],
    ]);
  });

  it('keeps what a batch cancelled at its deadline answered and gives the rest the deadline as their reason', async () => {
    await fake.planRequests(store, 'run-deadline', ['a', 'b', 'c', 'd']);
    const outcome = await collect(
      'run-deadline',
      fake.providerBatch('batch-d', { status: 'cancelled' }),
      [
        { customId: 'a', ok: true, content: '{"label":"x"}', usage },
        { customId: 'b', ok: false, status: 429, message: 'rate limited' },
        { customId: 'c', ok: false, code: 'batch_cancelled', message: 'This request was not executed.' },
      ],
      'batch deadline (24h) passed',
    );
    expect(outcome).toEqual({ succeeded: 1, failed: 3, retryable: 3, unknown: 0 });
    const { results, failures } = await fake.storedOutcomes(store, 'run-deadline');
    expect(results.map((r) => r.dedup_key)).toEqual(['a']);
    // The item's own failure keeps its error; what the cancel stopped (in the error file or in no file) says why.
    expect(failures.map((f) => [f.dedup_key, f.kind, f.retryable, f.error])).toEqual([
      ['b', 'rate_limited', true, '429 rate limited'],
      ['c', 'cancelled', true, 'batch deadline (24h) passed: batch_cancelled This request was not executed.'],
      ['d', 'cancelled', true, 'batch deadline (24h) passed: no answer in batch batch-d (cancelled)'],
    ]);
  });
});
