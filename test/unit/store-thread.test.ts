// The PGlite store runs on a thread of its own: what crosses between the threads must arrive as
// it left (rows, PostgreSQL's error fields), transactions must commit or roll back as a whole, and
// a result page copied in twice must keep the first answer without failing the write.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type ResultRow, type RunStore } from '../../store';

const result = (dedupKey: string, output: string): ResultRow => ({
  dedupKey,
  output,
  parsed: { label: output, quote: 'say "hi"\nthen, go' },
  provider: 'simulator',
  model: 'gpt-4.1-mini',
  mode: 'batch',
  strike: 1,
  inputTokens: 3,
  outputTokens: 2,
  costUsd: 0.25,
  syncCostUsd: 0.5,
});

describe('the PGlite store on its own thread', () => {
  let store: RunStore;
  beforeAll(async () => {
    store = await openStore(join(mkdtempSync(join(tmpdir(), 'llmbatch-thread-')), 'store'));
  });
  afterAll(async () => store.sql.close());

  it("passes PostgreSQL's error fields back, not only the message", async () => {
    await expect(store.sql.query('select * from no_such_table')).rejects.toMatchObject({
      message: expect.stringContaining('no_such_table'),
      code: '42P01',
    });
  });

  it('commits a transaction as a whole, and rolls it back as a whole on a throw', async () => {
    await store.sql.exec('create table t (n integer primary key)');
    await store.sql.transaction(async (tx) => {
      await tx.query('insert into t values (1)');
      await tx.query('insert into t values (2)');
    });
    await expect(
      store.sql.transaction(async (tx) => {
        await tx.query('insert into t values (3)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await expect(
      store.sql.transaction(async (tx) => {
        await tx.query('insert into t values (4)');
        await tx.query('insert into t values (1)'); // a duplicate: the database refuses
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const { rows } = await store.sql.query<{ n: number }>('select n from t order by n');
    expect(rows.map((r) => r.n)).toEqual([1, 2]);
  });

  it('keeps the first answer when a page of results is written again', async () => {
    await store.insertRequests('r', [
      { dedupKey: 'a', chunk: 0, firstLine: 1, body: { model: 'm', messages: [], maxTokens: 5 } },
      { dedupKey: 'b', chunk: 0, firstLine: 2, body: { model: 'm', messages: [], maxTokens: 5 } },
    ]);
    await store.insertResults('r', [result('a', 'first')]);
    await store.insertResults('r', [result('a', 'second'), result('b', 'only')]);
    const { rows } = await store.sql.query<{ dedup_key: string; output: string; parsed: unknown }>(
      "select dedup_key, output, parsed from results where run_id = 'r' order by dedup_key",
    );
    expect(rows).toEqual([
      { dedup_key: 'a', output: 'first', parsed: { label: 'first', quote: 'say "hi"\nthen, go' } },
      { dedup_key: 'b', output: 'only', parsed: { label: 'only', quote: 'say "hi"\nthen, go' } },
    ]);
  });

  it('serves statements sent together, in order', async () => {
    await store.sql.exec('create table seq (id serial, n integer)');
    await Promise.all(Array.from({ length: 50 }, (_, n) => store.sql.query('insert into seq (n) values ($1)', [n])));
    const { rows } = await store.sql.query<{ n: number }>('select n from seq order by id');
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 50 }, (_, n) => n));
  });
});
