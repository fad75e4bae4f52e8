// What the run store gives the cost features: answers reused across runs (newest real answer by the
// same model, from another run, within the cache's age), cache copies that cost nothing and are not
// pending, what a chunk still has to send, what a run measured so far, an estimate's random sample,
// and the discarding of an estimate's scratch run.
import type { ResultRow } from '../../store';
import type { RunStore } from '../../store';
import { useTestStore } from '../support/fake-provider';

const MODEL = 'gpt-4.1-mini';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const request = (dedupKey: string, chunk: number, firstLine: number, inputTokens = 0) => ({
  dedupKey,
  chunk,
  firstLine,
  inputTokens,
  body: { model: MODEL, messages: [{ role: 'user' as const, content: dedupKey }], maxTokens: 10 },
});

const answer = (dedupKey: string, output: string, overrides: Partial<ResultRow> = {}): ResultRow => ({
  dedupKey,
  output,
  provider: 'simulator',
  model: MODEL,
  mode: 'batch',
  strike: 1,
  inputTokens: 12,
  outputTokens: 5,
  costUsd: 0.001,
  syncCostUsd: 0.002,
  ...overrides,
});

describe('the run store behind costs', () => {
  let store: RunStore;
  useTestStore((s) => (store = s));

  const setAge = (runId: string, dedupKey: string, ageMs: number) =>
    store.sql.query(
      `update results set created_at = now() - ($3::float8 * interval '1 millisecond') where run_id = $1 and dedup_key = $2`,
      [runId, dedupKey, ageMs],
    );

  describe('cache.answers', () => {
    beforeAll(async () => {
      await store.results.insert('older-run', [answer('k1', 'older answer')]);
      await store.results.insert('newer-run', [answer('k1', 'newer answer', { inputTokens: 20, costUsd: 0.004 })]);
      await store.results.insert('copying-run', [answer('k1', 'a copy', { costUsd: 0, syncCostUsd: 0, cached: true })]);
      await store.results.insert('downgraded-run', [answer('k1', 'from the downgrade', { model: 'gpt-4.1-nano' })]);
      await store.results.insert('this-run', [answer('k1', "this run's own")]);
      await setAge('older-run', 'k1', 3 * HOUR);
      await setAge('newer-run', 'k1', 1 * HOUR);
    });

    it('gives the newest real answer another run got from the same model, with what it cost then and which run paid', async () => {
      const found = await store.cache.answers(
        'this-run',
        [
          { dedupKey: 'k1', model: MODEL },
          { dedupKey: 'k2', model: MODEL },
        ],
        DAY,
      );
      expect([...found.keys()]).toEqual(['k1']);
      expect(found.get('k1')).toEqual({
        dedupKey: 'k1',
        output: 'newer answer',
        provider: 'simulator',
        model: MODEL,
        mode: 'batch',
        strike: 1,
        inputTokens: 20,
        outputTokens: 5,
        cacheWriteTokens: 0,
        cacheReadTokens: 0,
        costUsd: 0.004,
        syncCostUsd: 0.002,
        cached: false,
        fromRunId: 'newer-run',
      });
    });

    it('never reuses a cache copy, an answer of another model, or an answer of the same run', async () => {
      expect(
        (await store.cache.answers('this-run', [{ dedupKey: 'k1', model: 'gpt-4.1-nano' }], DAY)).get('k1')?.output,
      ).toBe('from the downgrade');
      expect((await store.cache.answers('other-run', [{ dedupKey: 'k1', model: MODEL }], DAY)).get('k1')?.output).toBe(
        "this run's own",
      );
      expect((await store.cache.answers('this-run', [{ dedupKey: 'k1', model: 'gpt-4.1' }], DAY)).size).toBe(0);
    });

    it('reuses only answers younger than maxAge', async () => {
      expect(
        (await store.cache.answers('this-run', [{ dedupKey: 'k1', model: MODEL }], 2 * HOUR)).get('k1')?.output,
      ).toBe('newer answer');
      expect((await store.cache.answers('this-run', [{ dedupKey: 'k1', model: MODEL }], 30 * 60_000)).size).toBe(0);
      await setAge('newer-run', 'k1', 2 * DAY);
      expect((await store.cache.answers('this-run', [{ dedupKey: 'k1', model: MODEL }], DAY)).get('k1')?.output).toBe(
        'older answer',
      );
    });

    it('finds nothing for no keys', async () => {
      expect((await store.cache.answers('this-run', [], DAY)).size).toBe(0);
    });
  });

  it('stores a cache copy as cached: not measured, not pending, and never itself reused', async () => {
    const run = 'copies';
    await store.items.insertRequests(run, [request('fresh', 0, 1, 10), request('hit', -1, 2, 30)]);
    await store.results.insert(run, [
      answer('fresh', 'sent', { inputTokens: 11, outputTokens: 7 }),
      answer('hit', 'reused', { costUsd: 0, syncCostUsd: 0, cached: true }),
    ]);
    const { rows } = await store.sql.query<{ dedup_key: string; cached: boolean }>(
      'select dedup_key, cached from results where run_id = $1 order by dedup_key',
      [run],
    );
    expect(rows).toEqual([
      { dedup_key: 'fresh', cached: false },
      { dedup_key: 'hit', cached: true },
    ]);
    expect(await store.results.answeredSoFar(run)).toEqual({
      answers: 1,
      billedInput: 11,
      countedInput: 10,
      output: 7,
    });
    expect(await store.items.pendingSize(run, -1)).toEqual({ requests: 0, inputTokens: 0 });
    expect((await store.cache.answers('later-run', [{ dedupKey: 'hit', model: MODEL }], DAY)).size).toBe(0);
  });

  it('sizes what a chunk still has to send: no answer and no permanent failure', async () => {
    const run = 'pending';
    await store.items.insertRequests(run, [
      request('answered', 0, 1, 10),
      request('refused', 0, 2, 20),
      request('retrying', 0, 3, 30),
      request('waiting', 0, 4, 40),
      request('next-chunk', 1, 5, 50),
    ]);
    await store.results.insert(run, [answer('answered', 'ok')]);
    await store.results.recordFailures(run, [
      { dedupKey: 'refused', strike: 1, kind: 'invalid_request', retryable: false, error: '400' },
      { dedupKey: 'retrying', strike: 1, kind: 'server_error', retryable: true, error: '500' },
    ]);
    expect(await store.items.pendingSize(run, 0)).toEqual({ requests: 2, inputTokens: 70 });
    expect(await store.items.pendingSize(run, 1)).toEqual({ requests: 1, inputTokens: 50 });
    expect(await store.items.pendingSize(run, 2)).toEqual({ requests: 0, inputTokens: 0 });
  });

  it('measures nothing before a run has answers', async () => {
    expect(await store.results.answeredSoFar('no-answers')).toEqual({
      answers: 0,
      billedInput: 0,
      countedInput: 0,
      output: 0,
    });
  });

  it('samples only requests still to send, never cache hits (chunk -1)', async () => {
    const run = 'sample';
    await store.items.insertRequests(run, [
      request('a', 0, 1, 11),
      request('b', 1, 2, 22),
      request('c', 0, 3, 33),
      request('hit1', -1, 4, 44),
      request('hit2', -1, 5, 55),
    ]);
    const all = await store.items.randomRequests(run, 10);
    expect([...all].sort((x, y) => x.firstLine - y.firstLine)).toEqual([
      { firstLine: 1, inputTokens: 11 },
      { firstLine: 2, inputTokens: 22 },
      { firstLine: 3, inputTokens: 33 },
    ]);
    const two = await store.items.randomRequests(run, 2);
    expect(two).toHaveLength(2);
    expect(new Set(two.map((r) => r.firstLine)).size).toBe(2);
    for (const r of two) expect([1, 2, 3]).toContain(r.firstLine);
  });

  it("discards every row of an estimate's scratch run and nothing of another run", async () => {
    const fill = async (run: string) => {
      await store.items.insert(run, [{ line: 1, itemId: 'i1', dedupKey: 'x' }]);
      await store.items.insertRequests(run, [request('x', 0, 1, 5), request('y', 0, 2, 5)]);
      await store.results.insert(run, [answer('x', 'answered')]);
      await store.results.recordFailures(run, [
        { dedupKey: 'y', strike: 1, kind: 'server_error', retryable: true, error: '500', costUsd: 0.5 },
      ]);
      await store.batches.save(run, 0, 1, { providerBatchId: `batch-${run}`, status: 'completed', model: MODEL });
      await store.spend.reserve(run, 0, 1, MODEL, 1);
      await store.syncCalls.record({
        callId: `call-${run}`,
        runId: run,
        chunk: 0,
        dedupKey: 'y',
        strike: 2,
        estimatedUsd: 0.25,
      });
      await store.claimRun(run, `temporal-${run}`);
    };
    const rowsOf = async (run: string) => {
      const counts: Record<string, number> = {};
      for (const table of ['items', 'requests', 'results', 'failures', 'batches', 'spend', 'sync_calls', 'runs']) {
        const { rows } = await store.sql.query<{ n: number }>(
          `select count(*)::int as n from ${table} where run_id = $1`,
          [run],
        );
        counts[table] = rows[0]?.n ?? 0;
      }
      return counts;
    };
    await fill('scratch');
    await fill('kept');
    const before = await rowsOf('kept');
    expect(before).toEqual({
      items: 1,
      requests: 2,
      results: 1,
      failures: 1,
      batches: 1,
      spend: 1,
      sync_calls: 1,
      runs: 1,
    });

    await store.items.discardRun('scratch');
    expect(Object.values(await rowsOf('scratch')).every((n) => n === 0)).toBe(true);
    expect(await rowsOf('kept')).toEqual(before);
    expect((await store.spend.totals('scratch')).run).toBe(0);
    expect((await store.cache.answers('later-run', [{ dedupKey: 'x', model: MODEL }], DAY)).get('x')?.output).toBe(
      'answered',
    );
  });
});
