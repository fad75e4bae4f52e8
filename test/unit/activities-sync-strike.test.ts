// syncStrike's 429 loop: a provider pacing us with 429 + retry-after is waited out without spending
// an item's attempts (more 429s than SYNC_ATTEMPTS still end in an answer), the answer is stored
// and every sync call recorded before it was made is settled; and however many calls a round
// makes, the activity's cancellation signal carries only the calls in flight.
import { getEventListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import OpenAI from 'openai';
import { createSyncStrikeActivities, SYNC_ATTEMPTS } from '../../activities/sync/sync-strike';
import type { SyncPacer } from '../../activities/sync/sync-pacer';
import { countInputTokens } from '../../activities/plan/token-count';
import type { RunStore } from '../../store';
import * as fake from '../support/fake-provider';

let store: RunStore;
fake.useTestStore((opened) => (store = opened));

const rateLimited = () =>
  OpenAI.APIError.generate(
    429,
    { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
    'Rate limit reached',
    new Headers({ 'retry-after': '0.02' }),
  );

describe('syncStrike', () => {
  it('waits out 429s as the provider says, spends no attempt on them and stores the answer', async () => {
    await fake.planRequests(store, 'run-429', ['a']);
    const refusals = SYNC_ATTEMPTS + 1; // more than the item's attempts: only uncounted waits get through
    let calls = 0;
    const provider = fake.fakeProvider({
      callSync: (request) =>
        ++calls <= refusals
          ? Promise.reject(rateLimited())
          : Promise.resolve({
              customId: request.customId,
              ok: true,
              content: 'billing',
              usage: { inputTokens: 3, outputTokens: 1 },
            }),
    });
    const { syncStrike } = createSyncStrikeActivities({ store, providers: fake.registryOf(provider) });
    const started = Date.now();
    const outcome = await fake.quietActivityEnvironment().run(syncStrike, {
      runId: 'run-429',
      chunk: 0,
      strike: 3,
      spec: fake.testSpec(),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(refusals * 20 - 10); // retry-after honoured
    expect(outcome).toEqual({ called: 1, succeeded: 1, failed: 0 });
    expect(calls).toBe(refusals + 1);
    const { results, failures } = await fake.storedOutcomes(store, 'run-429');
    expect(results).toEqual([expect.objectContaining({ dedup_key: 'a', strike: 3, mode: 'sync' })]);
    expect(failures).toEqual([]);
    const states = await store.sql.query<{ state: string; n: number }>(
      'select state, count(*)::int as n from sync_calls where run_id = $1 group by state',
      ['run-429'],
    );
    expect(states.rows).toEqual([{ state: 'answered', n: refusals + 1 }]);
    expect(await store.syncCalls.unconfirmed('run-429')).toEqual({ calls: 0, estimatedUsd: 0 });
  });

  it('leaves no listener on the activity signal per call, retries included (no MaxListenersExceededWarning)', async () => {
    const keys = Array.from({ length: 64 }, (_, i) => `k${i}`);
    await fake.planRequests(store, 'run-lanes', keys);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    let inFlight = 0;
    let mostInFlight = 0;
    let mostListeners = 0;
    const refusedOnce = new Set<string>();
    const provider = fake.fakeProvider({
      // As the openai SDK does: a listener on the signal it is given, never removed unless it aborts.
      callSync: async (request, _schema, signal) => {
        signal?.addEventListener('abort', () => undefined, { once: true });
        const activitySignal = Context.current().cancellationSignal;
        mostListeners = Math.max(mostListeners, getEventListeners(activitySignal, 'abort').length);
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        // Every item is refused once first: twice the calls, as a round under a provider's limit makes.
        if (!refusedOnce.has(request.customId)) {
          refusedOnce.add(request.customId);
          throw rateLimited();
        }
        return { customId: request.customId, ok: true, content: 'x', usage: { inputTokens: 1, outputTokens: 1 } };
      },
    });
    const { syncStrike } = createSyncStrikeActivities({ store, providers: fake.registryOf(provider) });
    try {
      const outcome = await fake.quietActivityEnvironment().run(syncStrike, {
        runId: 'run-lanes',
        chunk: 0,
        strike: 1,
        spec: fake.testSpec({ limits: { ...fake.testSpec().limits, syncConcurrency: 16 } }),
      });
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
      expect(outcome).toEqual({ called: 64, succeeded: 64, failed: 0 });
      // Lanes run at once (each waits its turn at the shared pacer in the store, so not always all 16).
      expect(mostInFlight).toBeGreaterThanOrEqual(8);
      expect(mostInFlight).toBeLessThanOrEqual(16);
      expect(mostListeners).toBeLessThanOrEqual(16 + 2); // one per call in flight, plus the SDK's own few
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('asks the pacer before every call, 429s included, for the tokenizer count plus maxTokens, and holds it on a 429', async () => {
    await fake.planRequests(store, 'run-paced', ['a ticket about a parcel that never came']);
    const asked: number[] = [];
    const held: number[] = [];
    const pacer: SyncPacer = {
      acquire: (tokens) => Promise.resolve(void asked.push(tokens)),
      holdFor: (ms) => Promise.resolve(void held.push(ms)),
    };
    let calls = 0;
    const provider = fake.fakeProvider({
      callSync: (request) =>
        ++calls === 1
          ? Promise.reject(rateLimited())
          : Promise.resolve({
              customId: request.customId,
              ok: true,
              content: 'x',
              usage: { inputTokens: 1, outputTokens: 1 },
            }),
    });
    const { syncStrike } = createSyncStrikeActivities({
      store,
      providers: fake.registryOf(provider),
      syncPacer: () => pacer,
    });
    const spec = fake.testSpec({ limits: { ...fake.testSpec().limits, syncTpm: 100_000 } });
    await fake.quietActivityEnvironment().run(syncStrike, { runId: 'run-paced', chunk: 0, strike: 3, spec });
    const body = {
      model: spec.model,
      messages: [{ role: 'user' as const, content: 'a ticket about a parcel that never came' }],
      maxTokens: 10,
    };
    expect(asked).toEqual([countInputTokens(body) + 10, countInputTokens(body) + 10]);
    expect(held).toEqual([20]); // retry-after 0.02 s
  });
});
