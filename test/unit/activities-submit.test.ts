// submitBatch is idempotent per (run, chunk, strike): a retried submit returns the recorded
// batch and never creates a second one, and a create whose answer was lost is found again.
import { createSubmitActivities, idempotencyKey } from '../../activities/batch/submit';
import type { RunStore } from '../../store';
import * as fake from '../support/fake-provider';
import type { FakeProvider } from '../support/fake-provider';

let store: RunStore;
fake.useTestStore((opened) => (store = opened));

function submit(provider: FakeProvider, runId: string, strike = 1, attempt = 1, chunk = 0) {
  const { submitBatch } = createSubmitActivities({ store, providers: fake.registryOf(provider) });
  return fake.quietActivityEnvironment().run(submitBatch, { runId, chunk, strike, spec: fake.testSpec(), attempt });
}

const methods = (provider: FakeProvider) => provider.calls.map((c) => c.method);

describe('submitBatch', () => {
  it('creates one batch, and a second call returns the recorded batch without creating again', async () => {
    await fake.planRequests(store, 'run-once', ['a', 'b', 'c']);
    let created = 0;
    const uploaded: string[] = [];
    const provider = fake.fakeProvider({
      // The requests stream in from the store while the batch file is written.
      createBatch: async (requests) => {
        for await (const r of requests) uploaded.push(r.customId);
        return fake.providerBatch(`batch-${++created}`, { status: 'validating' });
      },
    });
    expect(await submit(provider, 'run-once')).toEqual({ batchId: 'batch-1', requests: 3, reused: false });
    expect(await submit(provider, 'run-once')).toEqual({ batchId: 'batch-1', requests: 0, reused: true });
    expect(methods(provider)).toEqual(['createBatch']);
    expect(uploaded).toEqual(['a', 'b', 'c']);
    expect(provider.calls[0].args[2]).toBe(idempotencyKey('run-once', 0, 1));
    expect(await store.batches.get('run-once', 0, 1)).toMatchObject({
      providerBatchId: 'batch-1',
      status: 'validating',
    });
  });

  it('finds a batch whose create answer was lost instead of creating another', async () => {
    await fake.planRequests(store, 'run-lost', ['a', 'b']);
    // The first attempt recorded its intent, created the batch, then lost the answer (a crash).
    const lost = fake.fakeProvider({
      createBatch: () => Promise.reject(new Error('socket hang up after the batch was created')),
    });
    await expect(submit(lost, 'run-lost')).rejects.toThrow('socket hang up');
    expect(await store.batches.get('run-lost', 0, 1)).toMatchObject({ status: 'intent', providerBatchId: undefined });

    const retry = fake.fakeProvider({
      findBatch: (key) =>
        Promise.resolve(
          key === idempotencyKey('run-lost', 0, 1)
            ? fake.providerBatch('batch-lost', { status: 'in_progress', counts: { total: 2, completed: 0, failed: 0 } })
            : undefined,
        ),
    });
    expect(await submit(retry, 'run-lost')).toEqual({ batchId: 'batch-lost', requests: 2, reused: true });
    expect(methods(retry)).toEqual(['findBatch']); // never createBatch
    expect(retry.calls[0].args[1]).toMatchObject({ requests: 2 });
    expect(await store.batches.get('run-lost', 0, 1)).toMatchObject({ providerBatchId: 'batch-lost' });
  });

  it('lets two chunks that lost their creates at once adopt one batch each, never the same one', async () => {
    // Anthropic's batches carry no key: a lost create is found by size and time, oldest unclaimed
    // first, so two chunks of one size looking at the same moment see the same candidate.
    for (const chunk of [0, 1]) {
      await fake.planRequests(store, 'run-race', [`a${chunk}`, `b${chunk}`], chunk);
      await store.batches.save('run-race', chunk, 1, { status: 'intent', attempt: 1 });
    }
    const candidates = ['batch-older', 'batch-newer'].map((id) =>
      fake.providerBatch(id, { status: 'in_progress', counts: { total: 2, completed: 0, failed: 0 } }),
    );
    let looked = 0;
    let bothLooked: () => void = () => undefined;
    const barrier = new Promise<void>((r) => (bothLooked = r));
    const provider = fake.fakeProvider({
      findBatch: async (_key, hint) => {
        // The first two lookups answer only once both were made: both pick the same oldest batch.
        if (++looked === 2) bothLooked();
        if (looked <= 2) await barrier;
        return candidates.find((c) => !hint.claimed.has(c.id));
      },
    });
    const adopted = (await Promise.all([0, 1].map((chunk) => submit(provider, 'run-race', 1, 1, chunk)))) as {
      batchId?: string;
      reused: boolean;
    }[];
    expect(adopted.map((a) => a.batchId).sort()).toEqual(['batch-newer', 'batch-older']);
    expect(adopted.every((a) => a.reused)).toBe(true);
    expect(methods(provider)).not.toContain('createBatch');
    expect((await store.batches.get('run-race', 0, 1))?.providerBatchId).not.toBe(
      (await store.batches.get('run-race', 1, 1))?.providerBatchId,
    );
  });

  it('creates after an earlier attempt that never reached the provider', async () => {
    await fake.planRequests(store, 'run-unsent', ['a']);
    await store.batches.save('run-unsent', 0, 1, { status: 'intent' });
    const provider = fake.fakeProvider({
      findBatch: () => Promise.resolve(undefined),
      createBatch: () => Promise.resolve(fake.providerBatch('batch-new')),
    });
    expect(await submit(provider, 'run-unsent')).toEqual({ batchId: 'batch-new', requests: 1, reused: false });
    expect(methods(provider)).toEqual(['findBatch', 'createBatch']);
  });

  it('submits a failed batch again under a new key when asked for the next attempt, once however often retried', async () => {
    await fake.planRequests(store, 'run-again', ['a', 'b']);
    let created = 0;
    const provider = fake.fakeProvider({
      findBatch: () => Promise.resolve(undefined),
      createBatch: () => Promise.resolve(fake.providerBatch(`batch-${++created}`, { status: 'validating' })),
    });
    expect(await submit(provider, 'run-again')).toMatchObject({ batchId: 'batch-1', reused: false });
    await store.batches.save('run-again', 0, 1, { status: 'failed' });
    expect(await submit(provider, 'run-again', 1, 2)).toEqual({ batchId: 'batch-2', requests: 2, reused: false });
    expect(await submit(provider, 'run-again', 1, 2)).toEqual({ batchId: 'batch-2', requests: 0, reused: true });
    expect(methods(provider)).toEqual(['createBatch', 'createBatch']);
    expect(provider.calls[1].args[2]).toBe(idempotencyKey('run-again', 0, 1, 2));
    expect(idempotencyKey('run-again', 0, 1, 2)).not.toBe(idempotencyKey('run-again', 0, 1));
    expect(await store.batches.get('run-again', 0, 1)).toMatchObject({
      providerBatchId: 'batch-2',
      status: 'validating',
      attempt: 2,
    });
  });

  it('submits nothing when nothing in the chunk is pending', async () => {
    const provider = fake.fakeProvider();
    expect(await submit(provider, 'run-empty')).toEqual({ requests: 0, reused: false });
    expect(methods(provider)).toEqual([]);
  });
});
