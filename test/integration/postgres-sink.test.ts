// output.postgres: the answered results are also upserted into a PostgreSQL table. Two runs of one
// spec leave one row per answered id (typed columns from the schema, the answer as jsonb); a sink
// that cannot be used is refused before anything is billed; a sink that fails at the end leaves
// the run in finalize-failed, and `llmbatch finalize RUN` then writes each id once, billed once.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import type { RunReport } from '../../common';
import { startRun } from '../../client/start-run';
import { progressQuery } from '../../workflows';
import { cli } from '../support/cli';
import { writeTickets } from '../support/datasets';
import { fastSpec, freeClosedPort, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';
import { openSinkDatabase, type SinkDatabase } from '../support/sink-database';
import { until } from '../support/until';

const SCHEMA = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['billing', 'shipping', 'bug', 'other'] },
    urgent: { type: 'boolean' },
    priority: { type: 'integer', minimum: 1, maximum: 5 },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
  },
  required: ['category', 'urgent', 'priority', 'confidence', 'tags'],
  additionalProperties: false,
};

interface Row {
  id: string;
  answer: Record<string, unknown>;
  category: string;
  urgent: boolean;
  priority: string;
  confidence: number;
  tags: string[];
  model: string;
  provider: string;
  mode: string;
  strike: number;
  run_id: string;
}

describe('output.postgres', () => {
  let h: Harness;
  let db: SinkDatabase;
  const env = `LLMBATCH_TEST_SINK_${process.pid}`;
  const tables: string[] = [];
  const table = (name: string) => {
    tables.push(`sink_${name}_${Date.now()}`);
    return tables[tables.length - 1];
  };
  beforeAll(async () => {
    db = await openSinkDatabase();
    process.env[env] = db.url;
    h = await startHarness({
      profile: { seed: 5, batch: { validatingMs: 20, completionMs: 300 }, items: { permanentErrorRate: 0.05 } },
    });
    writeFileSync(join(h.dir, 'sink.schema.json'), JSON.stringify(SCHEMA));
  });
  afterAll(async () => {
    delete process.env[env];
    // A shared DATABASE_URL keeps nothing of these tests.
    for (const name of tables) await db?.query(`drop table if exists ${name}`).catch(() => undefined);
    await h?.close();
    await db?.close();
  });

  const sinkSpec = (name: string, sinkTable: string, overrides: Record<string, unknown> = {}) =>
    loadSpec(
      h.writeSpec(
        fastSpec({
          name,
          chunkSize: 50,
          output: { dir: `out-${name}`, schema: 'sink.schema.json', postgres: { urlEnv: env, table: sinkTable } },
          ...overrides,
        }),
        `${name}.yaml`,
      ),
    );

  it('leaves one row per answered id after two runs of the same spec, typed as the schema says', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 240, { missingFieldLines: [9], duplicateEvery: 30 });
    const sinkTable = table('twice');
    const spec = sinkSpec('twice', sinkTable);
    const reports: RunReport[] = [];
    for (const n of [1, 2])
      reports.push(
        await (
          await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-sink-${n}-${Date.now()}` })
        ).result(),
      );
    const [first, second] = reports;
    expect(second).toMatchObject({ items: 240, rejected: 1 });
    expect(second.deadLettered).toBeGreaterThan(0);

    const rows = await db.query<Row>(`select * from ${sinkTable}`);
    const answered = (report: RunReport) => readJsonl(report.files.results);
    const lastRun = new Map(answered(second).map((r) => [r.id as string, r]));
    const earlier = answered(first).filter((r) => !lastRun.has(r.id as string));
    // Every id answered by either run, once; the second run's answers win where both answered.
    expect(rows.map((r) => r.id).sort()).toEqual([...lastRun.keys(), ...earlier.map((r) => r.id as string)].sort());
    expect(rows.filter((r) => r.run_id === second.runId)).toHaveLength(lastRun.size);
    expect(rows.find((r) => r.id === 't9')).toBeUndefined();
    for (const row of rows.filter((r) => r.run_id === second.runId)) {
      const line = lastRun.get(row.id)!;
      const parsed = line.parsed as Record<string, unknown>;
      expect(row).toMatchObject({
        answer: parsed,
        category: parsed.category,
        urgent: parsed.urgent,
        priority: String(parsed.priority), // bigint comes back from pg as text
        confidence: parsed.confidence,
        tags: parsed.tags,
        model: line.model,
        provider: line.provider,
        mode: line.mode,
        strike: line.strike,
      });
    }
    const types = await db.query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns where table_name = $1 order by ordinal_position`,
      [sinkTable],
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toMatchObject({
      id: 'text',
      answer: 'jsonb',
      category: 'text',
      urgent: 'boolean',
      priority: 'bigint',
      confidence: 'double precision',
      tags: 'jsonb',
      strike: 'integer',
      updated_at: 'timestamp with time zone',
    });
  });

  it('refuses in one line, billing nothing: the variable unset, the server refusing, a table that cannot take the results', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 20);
    const incompatible = table('wrong');
    await db.query(`create table ${incompatible} (id integer primary key, answer text, priority text)`);
    const closed = `postgres://nobody:secret@127.0.0.1:${await freeClosedPort()}/none`;
    process.env[`${env}_CLOSED`] = closed;
    const cases = [
      { urlEnv: `${env}_UNSET`, sinkTable: table('unset'), says: `the environment variable ${env}_UNSET` },
      {
        urlEnv: `${env}_CLOSED`,
        sinkTable: table('closed'),
        says: `the server in ${env}_CLOSED refuses the connection`,
      },
      {
        urlEnv: env,
        sinkTable: incompatible,
        says: `table ${incompatible} cannot take the results: column "id" is integer, not text`,
      },
    ];
    for (const [n, { urlEnv, sinkTable, says }] of cases.entries()) {
      const before = h.simulator.ledger().batchesCreated;
      const path = h.writeSpec(
        fastSpec({ name: `bad${n}`, output: { dir: `out-bad${n}`, postgres: { urlEnv, table: sinkTable } } }),
        `bad${n}.yaml`,
      );
      const result = await cli([
        'run',
        path,
        '--wait',
        '--task-queue',
        h.taskQueue,
        '--id',
        `it-sink-bad${n}-${Date.now()}`,
      ]);
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('output.postgres cannot be used');
      expect(lines[0]).toContain(says);
      expect(lines[0]).not.toContain('secret');
      expect(h.simulator.ledger().batchesCreated).toBe(before);
    }
    const [incompatibleText] = await db.query<{ data_type: string }>(
      `select data_type from information_schema.columns where table_name = $1 and column_name = 'answer'`,
      [incompatible],
    );
    expect(incompatibleText.data_type).toBe('text'); // a refused table is left as it was
    delete process.env[`${env}_CLOSED`];
  });

  it('waits in finalize-failed when the table cannot take the results at the end, or the server is away; `finalize` then writes each id once', async () => {
    // Bodies of their own: the first test billed the same tickets twice on purpose.
    writeTickets(join(h.dir, 'tickets.jsonl'), 120, { marker: 'late' });
    const sinkTable = table('late');
    const spec = sinkSpec('late', sinkTable, { retry: { finalizeBackoff: '1h' } });
    const runId = `it-sink-late-${Date.now()}`;
    const doubleBefore = h.simulator.ledger().doubleBilled;
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId });
    await until('the batches run', async () => (await handle.query(progressQuery)).phase === 'running');
    // The table the plan created is replaced by one that cannot take the results.
    await db.query(`drop table ${sinkTable}`);
    await db.query(`create table ${sinkTable} (id integer primary key)`);
    await until('finalize-failed', async () => (await handle.query(progressQuery)).phase === 'finalize-failed');
    const billed = h.simulator.ledger();

    const status = await cli(['status', runId]);
    expect(status.stdout).toContain('phase finalize-failed');
    expect(status.stdout).toContain(
      `finalize failed: cannot write the outputs to PostgreSQL table ${sinkTable}: table ${sinkTable} cannot take the results: column "id" is integer, not text`,
    );

    // Fixed, but the server is away now (the worker's variable names a port nobody listens on):
    // one line, exit 1, and the run waits on.
    await db.query(`drop table ${sinkTable}`);
    process.env[env] = `postgres://nobody:secret@127.0.0.1:${await freeClosedPort()}/none`;
    const away = await cli(['finalize', runId]);
    process.env[env] = db.url;
    expect(away.code).toBe(1);
    expect(away.stderr.trim().split('\n')).toHaveLength(1);
    expect(away.stderr).toContain(
      `still in phase finalize-failed: cannot write the outputs to PostgreSQL table ${sinkTable}: the server in ${env} refuses the connection`,
    );

    const written = await cli(['finalize', runId, '--json']);
    expect(written.code).toBe(0);
    const report = JSON.parse(written.stdout.trim().split('\n').pop()!);
    expect(report).toMatchObject({ status: 'completed', items: 120 });
    const ids = readJsonl(report.files.results).map((r) => r.id);
    const rows = await db.query<{ id: string; run_id: string }>(`select id, run_id from ${sinkTable}`);
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(new Set(rows.map((r) => r.run_id))).toEqual(new Set([runId]));
    const after = h.simulator.ledger();
    expect(after.batchesCreated).toBe(billed.batchesCreated);
    expect(after.requestsBilled).toBe(billed.requestsBilled);
    expect(after.doubleBilled).toBe(doubleBefore);
  });
});
