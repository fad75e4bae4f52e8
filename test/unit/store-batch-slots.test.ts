// The provider capacity every run shares (store/batch-slots.ts): a slot per batch in flight, under
// limits.concurrentBatches and limits.enqueuedTokens, taken at most once per (run, chunk, strike).
import type { RunStore, SlotClaim } from '../../store';
import { useTestStore } from '../support/fake-provider';

describe('batch slots', () => {
  let store: RunStore;
  useTestStore((s) => (store = s));
  const claim = (over: Partial<SlotClaim>): SlotClaim => ({
    key: 'batch:openai:gpt-4.1-mini',
    runId: 'r1',
    chunk: 0,
    strike: 1,
    tokens: 100,
    maxBatches: 2,
    maxTokens: 0,
    ...over,
  });

  it('lets two batches of a key fly, keeps the third waiting until one is given back', async () => {
    expect(await store.batchSlots.take(claim({ chunk: 0 }))).toMatchObject({ taken: true, inFlight: 1 });
    expect(await store.batchSlots.take(claim({ runId: 'r2', chunk: 0 }))).toMatchObject({ taken: true, inFlight: 2 });
    expect(await store.batchSlots.take(claim({ chunk: 1 }))).toMatchObject({ taken: false, inFlight: 2 });
    // Another model is counted apart; the same chunk asking again (a retried activity) keeps its slot.
    expect(await store.batchSlots.take(claim({ key: 'batch:openai:gpt-4.1', chunk: 1 }))).toMatchObject({
      taken: true,
    });
    expect(await store.batchSlots.take(claim({ chunk: 0 }))).toMatchObject({ taken: true, inFlight: 2 });
    await store.batchSlots.release('r2', 0, 1);
    expect(await store.batchSlots.take(claim({ chunk: 1 }))).toMatchObject({ taken: true, inFlight: 2 });
    await store.batchSlots.releaseRun('r1');
    await store.batchSlots.release('r1', 1);
    expect(await store.batchSlots.take(claim({ key: 'batch:openai:gpt-4.1', chunk: 2 }))).toMatchObject({
      inFlight: 1,
    });
  });

  it('holds the enqueued tokens under their limit, but never stops a batch that is alone', async () => {
    const key = 'batch:anthropic:claude-haiku-4-5';
    const big = (chunk: number, tokens: number) =>
      claim({ key, runId: 'r3', chunk, tokens, maxBatches: 0, maxTokens: 1000 });
    expect(await store.batchSlots.take(big(0, 600))).toMatchObject({ taken: true, enqueuedTokens: 600 });
    expect(await store.batchSlots.take(big(1, 500))).toMatchObject({ taken: false, enqueuedTokens: 600 });
    expect(await store.batchSlots.take(big(2, 400))).toMatchObject({ taken: true, enqueuedTokens: 1000 });
    await store.batchSlots.releaseRun('r3');
    expect(await store.batchSlots.take(big(3, 5000))).toMatchObject({ taken: true, enqueuedTokens: 5000 });
  });

  it('gives a slot to one of many takers at once', async () => {
    const verdicts = await Promise.all(
      Array.from({ length: 8 }, (_, chunk) =>
        store.batchSlots.take(claim({ key: 'batch:race', runId: 'r4', chunk, maxBatches: 3 })),
      ),
    );
    expect(verdicts.filter((v) => v.taken)).toHaveLength(3);
  });
});
