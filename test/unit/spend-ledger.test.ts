// The spend ledger on a real store: a batch or sync round is reserved at its estimate, settled at
// what it cost (answers kept, failed answers billed, sync calls whose answer was lost), and added
// up per run, UTC day and UTC month. Reservations made together under the lock see each other.
import { decideSpend } from '../../common';
import type { ResultRow } from '../../store';
import type { RunStore } from '../../store';
import { useTestStore } from '../support/fake-provider';

const MODEL = 'gpt-4.1-mini';

async function plan(store: RunStore, runId: string, chunks: Record<string, number>): Promise<void> {
  await store.items.insertRequests(
    runId,
    Object.entries(chunks).map(([dedupKey, chunk], i) => ({
      dedupKey,
      chunk,
      firstLine: i + 1,
      body: { model: MODEL, messages: [{ role: 'user' as const, content: dedupKey }], maxTokens: 10 },
    })),
  );
}

const answer = (dedupKey: string, strike: number, costUsd: number, cached = false): ResultRow => ({
  dedupKey,
  output: `answer to ${dedupKey}`,
  provider: 'simulator',
  model: MODEL,
  mode: 'batch',
  strike,
  inputTokens: 10,
  outputTokens: 5,
  costUsd,
  syncCostUsd: costUsd * 2,
  cached,
});

async function syncCall(
  store: RunStore,
  callId: string,
  runId: string,
  chunk: number,
  strike: number,
  estimatedUsd: number,
  state: 'in_flight' | 'answered' | 'unconfirmed',
): Promise<void> {
  await store.syncCalls.record({ callId, runId, chunk, dedupKey: callId, strike, estimatedUsd });
  if (state !== 'in_flight') await store.syncCalls.settle(callId, state);
}

describe('the spend ledger', () => {
  let store: RunStore;
  useTestStore((s) => (store = s));

  it('keeps the first reservation of a batch when the reserve is retried', async () => {
    expect(await store.spend.reservation('reserve', 0, 1)).toBeUndefined();
    await store.spend.reserve('reserve', 0, 1, 'gpt-4.1', 1.5);
    await store.spend.reserve('reserve', 0, 1, 'gpt-4.1-mini', 0.25);
    expect(await store.spend.reservation('reserve', 0, 1)).toEqual({ model: 'gpt-4.1', reservedUsd: 1.5 });
    expect((await store.spend.totals('reserve')).run).toBe(1.5);
  });

  it('settles a batch at what its chunk and strike cost: answers, billed failures and lost sync calls', async () => {
    const run = 'settle';
    await plan(store, run, { a: 0, b: 0, c: 0, d: 0, e: 0, f: 1 });
    await store.results.insert(run, [
      answer('a', 1, 0.125), // counts
      answer('b', 1, 0.5, true), // a cache copy: billed by another run
      answer('c', 2, 0.25), // another strike
      answer('f', 1, 1), // another chunk
    ]);
    await store.results.recordFailures(run, [
      { dedupKey: 'd', strike: 1, kind: 'schema_violation', retryable: false, error: 'bad JSON', costUsd: 0.0625 },
      { dedupKey: 'e', strike: 2, kind: 'schema_violation', retryable: false, error: 'bad JSON', costUsd: 2 },
    ]);
    await syncCall(store, 'lost', run, 0, 1, 0.03125, 'unconfirmed');
    await syncCall(store, 'crashed', run, 0, 1, 0.015625, 'in_flight');
    await syncCall(store, 'answered', run, 0, 1, 4, 'answered'); // its answer is a result already
    await syncCall(store, 'elsewhere', run, 1, 1, 8, 'unconfirmed');

    await store.spend.reserve(run, 0, 1, MODEL, 3);
    const actual = 0.125 + 0.0625 + 0.03125 + 0.015625;
    expect(await store.spend.settle(run, 0, 1, MODEL)).toBe(actual);
    expect(await store.spend.reservation(run, 0, 1)).toEqual({ model: MODEL, reservedUsd: 3, actualUsd: actual });
    expect((await store.spend.totals(run)).run).toBe(actual);
  });

  it('settles a batch that was never reserved', async () => {
    const run = 'unreserved';
    await plan(store, run, { a: 0 });
    await store.results.insert(run, [answer('a', 1, 0.75)]);
    expect(await store.spend.settle(run, 0, 1, MODEL)).toBe(0.75);
    expect(await store.spend.reservation(run, 0, 1)).toEqual({ model: MODEL, reservedUsd: 0, actualUsd: 0.75 });
  });

  it('settles only the open reservations at the end of a run', async () => {
    const run = 'settle-run';
    await plan(store, run, { a: 0, b: 0, c: 1 });
    await store.results.insert(run, [answer('a', 1, 0.5)]);
    await store.spend.reserve(run, 0, 1, MODEL, 2);
    await store.spend.reserve(run, 1, 1, MODEL, 2);
    await store.spend.reserve(run, 2, 1, MODEL, 2); // a chunk that sent nothing
    expect(await store.spend.settle(run, 0, 1, MODEL)).toBe(0.5);
    // Written after chunk 0 settled: settleRun does not settle it again.
    await store.results.insert(run, [answer('b', 1, 0.25), answer('c', 1, 0.125)]);

    await store.spend.settleRun(run);
    expect(await store.spend.reservation(run, 0, 1)).toEqual({ model: MODEL, reservedUsd: 2, actualUsd: 0.5 });
    expect(await store.spend.reservation(run, 1, 1)).toEqual({ model: MODEL, reservedUsd: 2, actualUsd: 0.125 });
    expect(await store.spend.reservation(run, 2, 1)).toEqual({ model: MODEL, reservedUsd: 2, actualUsd: 0 });
    expect((await store.spend.totals(run)).run).toBe(0.625);
  });

  it('serializes two reservations made together: the second sees the first and goes red', async () => {
    const run = 'locked';
    const reserveUnderLock = (chunk: number) =>
      store.spend.locked(async (ledger) => {
        const decision = decideSpend(await ledger.totals(run), { run: 10 }, 0.8, { model: MODEL, usd: 6 });
        await new Promise((resolve) => setTimeout(resolve, 20)); // both would read before either writes
        if (decision.ok) await ledger.reserve(run, chunk, 1, decision.model, decision.usd);
        return decision;
      });
    const [first, second] = await Promise.all([reserveUnderLock(0), reserveUnderLock(1)]);
    expect(first).toEqual({ ok: true, zone: 'green', model: MODEL, usd: 6 });
    expect(second).toEqual({
      ok: false,
      zone: 'red',
      message:
        'budget.maxUsd $10.00 would be exceeded: $6.00 spent or reserved by this run, ' +
        'and the next submission needs about $6.00',
    });
    expect((await store.spend.totals(run)).run).toBe(6);
    expect(await store.spend.reservation(run, 1, 1)).toBeUndefined();
  });

  it('without the lock, the same two reservations both go through (what the lock prevents)', async () => {
    const run = 'unlocked';
    const reserveUnlocked = async (chunk: number) => {
      const decision = decideSpend(await store.spend.totals(run), { run: 10 }, 0.8, { model: MODEL, usd: 6 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (decision.ok) await store.spend.reserve(run, chunk, 1, decision.model, decision.usd);
      return decision.ok;
    };
    expect(await Promise.all([reserveUnlocked(0), reserveUnlocked(1)])).toEqual([true, true]);
    expect((await store.spend.totals(run)).run).toBe(12);
  });

  it('drops a reservation whose work threw, and lets the next caller in', async () => {
    const run = 'rollback';
    await expect(
      store.spend.locked(async (ledger) => {
        await ledger.reserve(run, 0, 1, MODEL, 5);
        throw new Error('submit failed');
      }),
    ).rejects.toThrow('submit failed');
    expect(await store.spend.reservation(run, 0, 1)).toBeUndefined();
    expect(await store.spend.locked((ledger) => ledger.totals(run))).toMatchObject({ run: 0 });
  });
});

describe('spend totals by run, UTC day and UTC month', () => {
  let store: RunStore;
  useTestStore((s) => (store = s));

  const backdate = (runId: string, chunk: number, at: Date) =>
    store.sql.query('update spend set created_at = $1 where run_id = $2 and chunk = $3', [
      at.toISOString(),
      runId,
      chunk,
    ]);

  it('is zero in an empty store', async () => {
    expect(await store.spend.totals('nothing')).toEqual({ run: 0, day: 0, month: 0 });
  });

  it('adds settled rows at their cost and open ones at their reservation; day and month count every run', async () => {
    const now = new Date();
    const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);

    // This run: chunk 0 settled at 1.25 (reserved 2), chunk 1 open at 0.5, chunk 2 from 40 days ago.
    await plan(store, 'this', { a: 0 });
    await store.results.insert('this', [answer('a', 1, 1.25)]);
    await store.spend.reserve('this', 0, 1, MODEL, 2);
    await store.spend.settle('this', 0, 1, MODEL);
    await store.spend.reserve('this', 1, 1, MODEL, 0.5);
    await store.spend.reserve('this', 2, 1, MODEL, 16);
    await backdate('this', 2, new Date(monthStart - 40 * 86_400_000));
    // Other runs: one today, one a minute before today (UTC), one a minute before this month (UTC).
    await store.spend.reserve('today', 0, 1, MODEL, 3);
    await store.spend.reserve('yesterday', 0, 1, MODEL, 4);
    await backdate('yesterday', 0, new Date(dayStart - 60_000));
    await store.spend.reserve('last-month', 0, 1, MODEL, 8);
    await backdate('last-month', 0, new Date(monthStart - 60_000));
    // Today at 00:00 UTC exactly counts as today.
    await store.spend.reserve('midnight', 0, 1, MODEL, 0.25);
    await backdate('midnight', 0, new Date(dayStart));

    const yesterdayIsThisMonth = dayStart > monthStart;
    const expected = {
      run: 1.25 + 0.5 + 16,
      day: 1.25 + 0.5 + 3 + 0.25,
      month: 1.25 + 0.5 + 3 + 0.25 + (yesterdayIsThisMonth ? 4 : 0),
    };
    expect(await store.spend.totals('this')).toEqual(expected);
    // The day and month are UTC's whatever the database's time zone (UTC+14, UTC-10).
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Honolulu', 'UTC']) {
      await store.sql.query(`set time zone '${zone}'`);
      expect(await store.spend.totals('this')).toEqual(expected);
    }
    expect((await store.spend.totals('last-month')).run).toBe(8);
    expect((await store.spend.totals('yesterday')).run).toBe(4);
  });
});
