// The store's one SQL path (pg, on the embedded server): rows and PostgreSQL's error fields arrive
// whole, transactions commit or roll back as a whole, a result page copied in twice keeps the first
// answer without failing the write, and migrations run once, in order, and refuse a newer store.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type ResultRow, type RunStore } from '../../store';
import { MIGRATIONS, migrate } from '../../store/migrations';

const answer = (label: string) => ({ label, quote: 'say "hi"\nthen, go' });
const result = (dedupKey: string, label: string): ResultRow => ({
  dedupKey,
  output: JSON.stringify(answer(label)),
  parsed: answer(label),
  provider: 'simulator',
  model: 'gpt-4.1-mini',
  mode: 'batch',
  strike: 1,
  inputTokens: 3,
  outputTokens: 2,
  costUsd: 0.25,
  syncCostUsd: 0.5,
});

describe('the store over pg', () => {
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
    await store.items.insertRequests('r', [
      { dedupKey: 'a', chunk: 0, firstLine: 1, body: { model: 'm', messages: [], maxTokens: 5 } },
      { dedupKey: 'b', chunk: 0, firstLine: 2, body: { model: 'm', messages: [], maxTokens: 5 } },
    ]);
    await store.results.insert('r', [result('a', 'first')]);
    await store.results.insert('r', [result('a', 'second'), result('b', 'only')]);
    const { rows } = await store.sql.query<{ dedup_key: string; output: string; json_answer: boolean }>(
      "select dedup_key, output, json_answer from results where run_id = 'r' order by dedup_key",
    );
    expect(rows.map((r) => ({ ...r, output: JSON.parse(r.output) as unknown }))).toEqual([
      { dedup_key: 'a', output: answer('first'), json_answer: true },
      { dedup_key: 'b', output: answer('only'), json_answer: true },
    ]);
  });

  it('reads rows a page at a time through a cursor', async () => {
    const pages: number[] = [];
    for await (const page of store.sql.cursor!<{ n: number }>('select n from generate_series(1, $1::int) n', [25], 10))
      pages.push(page.length);
    expect(pages).toEqual([10, 10, 5]);
  });

  it('records each migration once and refuses a store that a newer llmbatch migrated', async () => {
    const { rows } = await store.sql.query<{ version: number; name: string }>(
      'select version, name from schema_migrations',
    );
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    expect(await migrate(store.sql)).toEqual({ applied: [] });
    const newer = MIGRATIONS.length + 1;
    await store.sql.query("insert into schema_migrations (version, name) values ($1, 'from the future')", [newer]);
    await expect(migrate(store.sql)).rejects.toThrow(
      `the store is at schema version ${newer}, newer than this llmbatch knows (${MIGRATIONS.length}): upgrade llmbatch on this machine`,
    );
    await store.sql.query('delete from schema_migrations where version = $1', [newer]);
  });

  it('converts the request bodies of a store made before migrations, when they were jsonb, once', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'llmbatch-old-')), 'store');
    const old = await openStore(dir);
    // A DATABASE_URL store from before migrations: the tables, no version table, bodies as jsonb.
    await old.sql.exec('drop table schema_migrations');
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
    expect(await reopened.items.pendingRequests('old', 0)).toEqual([{ dedupKey: 'k', body }]);
    await reopened.sql.close();
  });

  it('gives the answers and failures of a store at schema version 1 their chunk, so nothing answered looks pending', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'llmbatch-v1-')), 'store');
    const old = await openStore(dir);
    // As version 1 left it: no chunk on answers or failures.
    await old.sql.exec(`delete from schema_migrations where version > 1;
      drop index results_by_chunk; drop index failures_by_chunk;
      alter table results drop column chunk; alter table failures drop column chunk;`);
    await old.sql.exec(`insert into requests (run_id, dedup_key, chunk, first_line, body) values
      ('v1', 'answered', 3, 1, '{}'), ('v1', 'refused', 3, 2, '{}'), ('v1', 'waiting', 3, 3, '{}');
      insert into results (run_id, dedup_key, output, provider, model, mode, strike, input_tokens, output_tokens,
                           cost_usd, sync_cost_usd)
      values ('v1', 'answered', 'ok', 'openai', 'm', 'batch', 1, 10, 2, 0.5, 1);
      insert into failures (run_id, dedup_key, strike, kind, retryable, error)
      values ('v1', 'refused', 1, 'invalid_request', false, 'no');`);
    await old.sql.close();
    const reopened = await openStore(dir);
    expect(await reopened.items.pendingKeys('v1', 3)).toEqual(new Set(['waiting']));
    expect(await reopened.results.chunkTotals('v1', 3)).toMatchObject({ requests: 3, succeeded: 1, cost_usd: 0.5 });
    await reopened.sql.close();
  });

  it('keeps the JSON answers of a store at schema version 3 readable as JSON once parsed copies are gone', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'llmbatch-v3-')), 'store');
    const old = await openStore(dir);
    // As version 3 left it: answers keyed by run first, their JSON a second time in a jsonb column.
    await old.sql.exec(`delete from schema_migrations where version > 3;
      alter table results drop constraint results_pkey; alter table results add primary key (run_id, dedup_key);
      alter table results drop column json_answer; alter table results add column parsed jsonb;
      create index results_by_key on results (dedup_key, created_at);
      insert into results (run_id, dedup_key, output, parsed, provider, model, mode, strike, input_tokens,
                           output_tokens, cost_usd, sync_cost_usd, chunk)
      values ('v3', 'json', '{"label":"a"}', '{"label":"a"}', 'openai', 'm', 'batch', 1, 1, 1, 0, 0, 0),
             ('v3', 'text', 'plain words', null, 'openai', 'm', 'batch', 1, 1, 1, 0, 0, 0);`);
    await old.sql.close();
    const reopened = await openStore(dir);
    const cached = await reopened.cache.answers(
      'later',
      [
        { dedupKey: 'json', model: 'm' },
        { dedupKey: 'text', model: 'm' },
      ],
      60_000,
    );
    expect(cached.get('json')).toMatchObject({ output: '{"label":"a"}', parsed: { label: 'a' } });
    expect(cached.get('text')).toMatchObject({ output: 'plain words', parsed: undefined });
    await reopened.sql.close();
  });
});
