// syncStrike's 429 loop: a provider pacing us with 429 + retry-after is waited out without spending
// an item's attempts (more 429s than SYNC_ATTEMPTS still end in an answer), the answer is stored
// and every sync call recorded before it was made is settled.
import OpenAI from 'openai';
import { createSyncStrikeActivities, SYNC_ATTEMPTS } from '../../activities/sync-strike';
import type { RunStore } from '../../store';
import {
  fakeProvider,
  openTestStore,
  quietActivityEnvironment,
  planRequests,
  registryOf,
  storedOutcomes,
  testSpec,
} from '../support/fake-provider';

let store: RunStore;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => store?.sql.close());

const rateLimited = () =>
  OpenAI.APIError.generate(
    429,
    { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
    'Rate limit reached',
    new Headers({ 'retry-after': '0.02' }),
  );

describe('syncStrike', () => {
  it('waits out 429s as the provider says, spends no attempt on them and stores the answer', async () => {
    await planRequests(store, 'run-429', ['a']);
    const refusals = SYNC_ATTEMPTS + 1; // more than the item's attempts: only uncounted waits get through
    let calls = 0;
    const provider = fakeProvider({
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
    const { syncStrike } = createSyncStrikeActivities({ store, providers: registryOf(provider) });
    const started = Date.now();
    const outcome = await quietActivityEnvironment().run(syncStrike, {
      runId: 'run-429',
      chunk: 0,
      strike: 3,
      spec: testSpec(),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(refusals * 20 - 10); // retry-after honoured
    expect(outcome).toEqual({ called: 1, succeeded: 1, failed: 0 });
    expect(calls).toBe(refusals + 1);
    const { results, failures } = await storedOutcomes(store, 'run-429');
    expect(results).toEqual([expect.objectContaining({ dedup_key: 'a', strike: 3, mode: 'sync' })]);
    expect(failures).toEqual([]);
    const states = await store.sql.query<{ state: string; n: number }>(
      'select state, count(*)::int as n from sync_calls where run_id = $1 group by state',
      ['run-429'],
    );
    expect(states.rows).toEqual([{ state: 'answered', n: refusals + 1 }]);
    expect(await store.unconfirmedSyncCalls('run-429')).toEqual({ calls: 0, estimatedUsd: 0 });
  });
});
