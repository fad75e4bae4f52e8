// output.postgres: the answered results are also upserted into a PostgreSQL table. Pages of rows
// are COPYed into a temporary table and moved with `insert ... on conflict (id) do update`, all in
// one transaction per finalize: a re-run, a resumed run or a finalize tried again writes each id
// once, and a write that fails leaves the table as it was (the run waits in finalize-failed).
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PostgresSinkSpec, ResolvedSpec } from '../../common';
import type { FinalItem } from '../../store';
import { copyTextLine } from '../../store/copy-text';
import { outputWriteFailed } from '../finalize/output-failure';
import { fitValue, parsedObject } from './answer-fields';
import { connectSink, ensureSinkTable, SinkProblem } from './postgres-connection';
import { quoteName, quoteTable, sinkColumns, type SinkColumn } from './postgres-table';

/** Rows per COPY: a page in memory, and one round of statements per page. */
const PAGE = 5000;

const STAGE = 'pg_temp.llmbatch_sink_rows';

/**
 * Before anything is spent (the plan): the URL set, the server answering, the table there or
 * created, and able to take this run's columns. Refused for good: retrying changes none of it.
 */
export async function checkPostgresSink(spec: ResolvedSpec): Promise<void> {
  const sink = spec.outputPostgres;
  if (!sink) return;
  let client: Client | undefined;
  try {
    client = await connectSink(sink);
    await ensureSinkTable(client, sink.table, sinkColumns(spec.outputSchema));
  } catch (error) {
    throw ApplicationFailure.nonRetryable(
      `output.postgres cannot be used on worker ${hostname()}: ${(error as Error).message}`,
      'OutputPostgresUnusable',
    );
  } finally {
    await client?.end().catch(() => undefined);
  }
}

/** What a failed write is called: the run waits in finalize-failed with this reason. */
const writeFailed = (sink: PostgresSinkSpec, error: unknown) =>
  outputWriteFailed(
    `PostgreSQL table ${sink.table}`,
    error instanceof SinkProblem ? error : new Error(`${(error as Error).message} (${sink.urlEnv})`),
  );

/** A JSON text that jsonb takes: PostgreSQL stores no NUL character, so \u0000 becomes U+FFFD. */
const storableJson = (json: string) => json.replace(/(?<=(?:^|[^\\])(?:\\\\)*)\\u0000/g, '\\ufffd');
const storableText = (text: string) => text.replace(/\0/g, '\ufffd');

/** One row of the staging table, in the order of its columns. */
function stagedRow(columns: SinkColumn[], item: FinalItem, embedding: boolean, runId: string): unknown[] {
  const result = item.result!;
  const parsed = parsedObject(item);
  // The answer as jsonb: a JSON answer (or an embedding's vector) as it came, free text as a JSON string.
  const answer = embedding || result.json ? result.output : JSON.stringify(result.output);
  const fixed: Record<string, unknown> = {
    id: item.itemId ?? String(item.line),
    answer: storableJson(answer),
    model: result.model,
    provider: result.provider,
    mode: result.mode,
    strike: result.strike,
    run_id: runId,
  };
  return columns.map(({ name, field }) => {
    if (!field) return typeof fixed[name] === 'string' ? storableText(fixed[name]) : fixed[name];
    const value = fitValue(field.kind, parsed?.[field.name]);
    if (value === null) return null;
    if (field.kind === 'json') return storableJson(JSON.stringify(value));
    return typeof value === 'string' ? storableText(value) : value;
  });
}

export class PostgresSink {
  private rows: unknown[][] = [];
  private open = true;
  /** Every column but updated_at, which the server stamps: the run id is staged like the rest. */
  private readonly staged: SinkColumn[];

  private constructor(
    private readonly client: Client,
    private readonly sink: PostgresSinkSpec,
    private readonly runId: string,
    columns: SinkColumn[],
    private readonly embedding: boolean,
  ) {
    this.staged = columns.filter((c) => c.name !== 'updated_at');
  }

  /** Connects, makes the table ready (as the plan did: it may have changed since) and opens the transaction. */
  static async open(spec: ResolvedSpec, runId: string): Promise<PostgresSink | undefined> {
    const sink = spec.outputPostgres;
    if (!sink) return undefined;
    const client = await connectSink(sink).catch((error) => Promise.reject(writeFailed(sink, error)));
    const columns = sinkColumns(spec.outputSchema);
    const writer = new PostgresSink(client, sink, runId, columns, spec.embed !== undefined);
    try {
      await ensureSinkTable(client, sink.table, columns);
      await client.query('begin');
      const definitions = writer.staged.map((c) => `${quoteName(c.name)} ${c.type}`).join(', ');
      await client.query(`create temporary table ${STAGE.split('.')[1]} (${definitions}) on commit drop`);
    } catch (error) {
      await writer.release();
      throw writeFailed(sink, error);
    }
    return writer;
  }

  async add(item: FinalItem): Promise<void> {
    this.rows.push(stagedRow(this.staged, item, this.embedding, this.runId));
    if (this.rows.length >= PAGE) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    const names = this.staged.map((c) => quoteName(c.name));
    const updates = [...this.staged.filter((c) => c.name !== 'id').map((c) => c.name), 'updated_at']
      .map((name) => `${quoteName(name)} = excluded.${quoteName(name)}`)
      .join(', ');
    try {
      let text = '';
      for (const row of rows) text += copyTextLine(row);
      await pipeline(
        Readable.from([text]),
        this.client.query(copyFrom(`copy ${STAGE} (${names.join(', ')}) from stdin`)),
      );
      await this.client.query(
        `insert into ${quoteTable(this.sink.table)} (${names.join(', ')}, updated_at)
         select ${names.join(', ')}, now() from ${STAGE}
         on conflict (id) do update set ${updates}`,
      );
      await this.client.query(`truncate ${STAGE}`);
    } catch (error) {
      throw writeFailed(this.sink, error);
    }
  }

  /** Writes the last page and commits: until now, the table holds nothing of this finalize. */
  async commit(): Promise<void> {
    await this.flush();
    try {
      await this.client.query('commit');
      this.open = false;
    } catch (error) {
      throw writeFailed(this.sink, error);
    }
  }

  /** Ends the connection; a transaction not committed is rolled back (by the server, if it is gone). */
  async release(): Promise<void> {
    if (this.open) await this.client.query('rollback').catch(() => undefined);
    this.open = false;
    await this.client.end().catch(() => undefined);
  }
}
