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

  it('converts the request bodies of a store made when they were jsonb, once', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'llmbatch-old-')), 'store');
    const old = await openStore(dir);
    await old.sql.exec('alter table requests alter column body type jsonb using body::jsonb');
    const body = { model: 'm', messages: [{ role: 'user' as const, content: 'say "hi"' }], maxTokens: 5 };
    await old.sql.query(
      "insert into requests (run_id, dedup_key, chunk, first_line, body) values ('old', 'k', 0, 1, $1::jsonb)",
      [JSON.stringify(body)],
    );
    await old.sql.close();
    const reopened = await openStore(dir);
    const { rows } = await reopened.sql.query<{ data_type: string }>(
      "select data_type from information_schema.columns where table_name = 'requests' and column_name = 'body'",
    );
    expect(rows[0].data_type).toBe('text');
    expect(await reopened.pendingRequests('old', 0)).toEqual([{ dedupKey: 'k', body }]);
    await reopened.sql.close();
  });
});
