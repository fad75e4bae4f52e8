// What finalize writes about the items that did not make it: dead-letter attempts numbered by the
// strike the item was at (1 to 3, never the store's internal 9), and the run's dead letters counted
// once in the metrics, however many times finalize runs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFinalizeActivities, type FinalizeInput } from '../../activities/finalize';
import type { RunMetrics } from '../../activities/metrics';
import type { PlanSummary, RunReport } from '../../common';
import type { RunStore } from '../../store';
import { quietActivityEnvironment, registryOf, fakeProvider, testSpec, useTestStore } from '../support/fake-provider';
import { readJsonl } from '../support/run-files';

const body = (text: string) => ({
  model: 'gpt-4.1-mini',
  messages: [{ role: 'user' as const, content: text }],
  maxTokens: 10,
});
const plan = (lines: number): PlanSummary => ({
  lines,
  accepted: lines,
  rejected: 0,
  duplicates: 0,
  uniqueRequests: lines,
  cacheHits: 0,
  chunks: 1,
  estimatedTokens: { input: 0, output: { min: 0, likely: 0, max: 0 } },
  estimatedUsd: { min: 0, likely: 0, max: 0 },
  estimatedSyncUsd: { min: 0, likely: 0, max: 0 },
});

describe('finalize, for the items that failed', () => {
  let store: RunStore;
  useTestStore((s) => (store = s));

  const counted: Record<string, number> = {};
  let finalize: () => Promise<RunReport>;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmbatch-finalize-'));
    const input = join(dir, 'input.jsonl');
    writeFileSync(input, ['a', 'b', 'c'].map((id) => JSON.stringify({ id, subject: id })).join('\n') + '\n');
    const runId = `finalize-${Date.now()}`;
    await store.claimRun(runId, 'execution-1');
    await store.insertItems(runId, [
      { line: 1, itemId: 'a', dedupKey: 'ka' },
      { line: 2, itemId: 'b', dedupKey: 'kb' },
      { line: 3, itemId: 'c', dedupKey: 'kc' },
    ]);
    await store.insertRequests(
      runId,
      ['a', 'b', 'c'].map((id, i) => ({ dedupKey: `k${id}`, chunk: 0, firstLine: i + 1, itemId: id, body: body(id) })),
    );
    // a: cancelled while its strike 1 batch ran; b: failed strikes 1 and 2, cancelled waiting for strike 3;
    // c: failed strike 1, then its chunk failed for good.
    await store.recordFailures(
      runId,
      [
        { dedupKey: 'kb', strike: 1, kind: 'server_error', retryable: true, error: '500' },
        { dedupKey: 'kb', strike: 2, kind: 'server_error', retryable: true, error: '500' },
        { dedupKey: 'kc', strike: 1, kind: 'rate_limit', retryable: true, error: '429' },
      ],
      0,
    );
    await store.failPending(runId, 0, 'chunk_failed', 'batch create refused');

    const metrics = {
      deadLettered: (kind: string, n: number) => (counted[kind] = (counted[kind] ?? 0) + n),
      runFinished: () => undefined,
    } as unknown as RunMetrics;
    const { finalizeRun } = createFinalizeActivities({ store, providers: registryOf(fakeProvider()), metrics });
    const spec = testSpec({ inputPath: input, outputDir: join(dir, 'out'), template: { user: '{{subject}}' } });
    finalize = () =>
      quietActivityEnvironment().run<[FinalizeInput], RunReport, typeof finalizeRun>(finalizeRun, {
        runId,
        spec,
        plan: plan(3),
        startedAtMs: Date.now(),
      });
  });

  it("numbers dead-letter attempts by the strike the item was at, 1 to 3 (never the store's 9)", async () => {
    const report = await finalize();
    const strikes = Object.fromEntries(
      readJsonl(report.files.deadLetter).map((d) => [d.id, (d.attempts as { strike: number }[]).map((a) => a.strike)]),
    );
    expect(strikes).toEqual({ a: [1], b: [1, 2, 3], c: [1, 2] });
    expect(report.strikeFunnel).toEqual({ strike1: 3, strike2: 2, strike3: 1, deadLettered: 3 });
  });

  it('counts the dead letters in the metrics once when finalize runs again', async () => {
    expect(counted).toEqual({ chunk_failed: 3 });
    await finalize();
    expect(counted).toEqual({ chunk_failed: 3 });
  });
});
