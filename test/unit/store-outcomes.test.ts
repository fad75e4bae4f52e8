// The store's part in "every run ends accounted for": a reused run id is detected, unanswered
// requests of a failed chunk become dead letters (and nothing else does), and sync calls recorded
// before they were made show up as unconfirmed spend until they are settled.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type RunStore } from '../../store';

const request = (dedupKey: string, chunk: number, firstLine: number) => ({
  dedupKey,
  chunk,
  firstLine,
  body: { model: 'gpt-4.1-mini', messages: [{ role: 'user' as const, content: dedupKey }], maxTokens: 10 },
});

describe('run outcomes in the store', () => {
  let store: RunStore;
  beforeAll(async () => {
    store = await openStore(join(mkdtempSync(join(tmpdir(), 'llmbatch-store-')), 'store'));
  });
  afterAll(async () => store.sql.close());

  it('ties a run id to the execution that planned it', async () => {
    expect(await store.claimRun('r1', 'exec-a')).toBe('exec-a');
    expect(await store.claimRun('r1', 'exec-a')).toBe('exec-a'); // a retried plan
    expect(await store.claimRun('r1', 'exec-b')).toBe('exec-a'); // a new run under an old id
  });

  it('ends only the unanswered requests of the failed chunk, once', async () => {
    await store.items.insertRequests('r2', [
      request('a', 0, 1),
      request('b', 0, 2),
      request('c', 0, 3),
      request('d', 1, 4),
    ]);
    await store.results.insert('r2', [
      {
        dedupKey: 'a',
        output: 'x',
        provider: 'simulator',
        model: 'gpt-4.1-mini',
        mode: 'batch',
        strike: 1,
        inputTokens: 1,
        outputTokens: 1,
        costUsd: 0,
        syncCostUsd: 0,
      },
    ]);
    await store.results.recordFailures('r2', [
      { dedupKey: 'b', strike: 1, kind: 'invalid_request', retryable: false, error: 'no' },
    ]);
    expect(await store.results.failPending('r2', 0, 'chunk_failed', '400 refused')).toBe(1); // only c
    expect(await store.results.failPending('r2', 0, 'chunk_failed', 'again')).toBe(0); // ended once: the first reason stays
    const failures = await store.results.failuresFor('r2', ['c', 'd']);
    expect(failures.get('c')).toEqual([
      { dedupKey: 'c', strike: 9, kind: 'chunk_failed', retryable: true, error: '400 refused' },
    ]);
    expect(failures.get('d')).toBeUndefined();
    expect(await store.results.failPending('r2', undefined, 'run_failed', 'stopped')).toBe(1); // d only
  });

  it('counts sync calls whose answers never came as unconfirmed', async () => {
    const call = (callId: string) => ({
      callId,
      runId: 'r3',
      chunk: 0,
      dedupKey: callId,
      strike: 1,
      estimatedUsd: 0.25,
    });
    await store.syncCalls.record(call('one'));
    await store.syncCalls.record(call('two'));
    await store.syncCalls.record(call('three'));
    await store.syncCalls.settle('one', 'answered');
    await store.syncCalls.settle('two', 'unconfirmed');
    expect(await store.syncCalls.unconfirmed('r3')).toEqual({ calls: 2, estimatedUsd: 0.5 });
  });

  it('pages through the requests still pending, in line order, past page boundaries', async () => {
    await store.items.insertRequests('r4', [
      request('e', 0, 5),
      request('a', 0, 1),
      request('c', 0, 3),
      request('b', 0, 2),
      request('d', 0, 4),
      request('x', 1, 6),
    ]);
    await store.results.recordFailures('r4', [
      { dedupKey: 'c', strike: 1, kind: 'invalid_request', retryable: false, error: 'no' },
    ]);
    const keys: string[] = [];
    for await (const pending of store.items.pendingRequestPages('r4', 0, 2)) keys.push(pending.dedupKey);
    expect(keys).toEqual(['a', 'b', 'd', 'e']);
  });
});
