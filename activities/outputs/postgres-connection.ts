// The PostgreSQL sink's side of the server: the connection (its URL read from the worker's
// environment, so a password never travels in a spec or a workflow history) and the table, created
// when missing, given the columns it lacks, and refused when it cannot take the results. Used twice:
// by the plan, before anything is spent, and by finalize, which finds the table as it is by then.
import { Client } from 'pg';
import type { PostgresSinkSpec } from '../../common';
import {
  columnNameProblems,
  quoteName,
  quoteTable,
  tableFit,
  type CatalogColumn,
  type SinkColumn,
} from './postgres-table';

/** Why the sink cannot be used, in words a user can act on (the caller says where and when). */
export class SinkProblem extends Error {}

/** A connection that takes longer is a server that will not answer: said at once, not after minutes. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Undefined-table and duplicate-object codes: another run created the table at the same moment. */
const RACED_CREATE = new Set(['42P07', '23505']);

export async function connectSink(sink: PostgresSinkSpec): Promise<Client> {
  const url = process.env[sink.urlEnv];
  if (!url)
    throw new SinkProblem(
      `the environment variable ${sink.urlEnv} (the PostgreSQL URL of table ${sink.table}) is not set`,
    );
  let client: Client;
  try {
    client = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  } catch (error) {
    // The URL itself is not repeated: it may hold a password.
    throw new SinkProblem(`${sink.urlEnv} is not a PostgreSQL URL: ${(error as Error).message}`);
  }
  // A connection the server ends between statements must not crash the worker: the next statement fails.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new SinkProblem(`the server in ${sink.urlEnv} refuses the connection: ${(error as Error).message}`);
  }
  return client;
}

interface TableCatalog {
  kind: string;
  columns: CatalogColumn[];
  primaryKey: string[];
}

/** The table as the catalog has it, or undefined when there is none by that name. */
async function readCatalog(client: Client, table: string): Promise<TableCatalog | undefined> {
  const found = await client.query<{ oid: number | null; kind: string | null }>(
    `select c.oid::int as oid, c.relkind::text as kind from pg_class c where c.oid = to_regclass($1)`,
    [quoteTable(table)],
  );
  const relation = found.rows[0];
  if (!relation?.oid) return undefined;
  const columns = await client.query<CatalogColumn>(
    `select attname as name, format_type(atttypid, atttypmod) as type, attnotnull as "notNull", atthasdef as "hasDefault"
     from pg_attribute where attrelid = $1 and attnum > 0 and not attisdropped order by attnum`,
    [relation.oid],
  );
  const key = await client.query<{ name: string }>(
    `select a.attname as name from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
     where i.indrelid = $1 and i.indisprimary order by a.attname`,
    [relation.oid],
  );
  return { kind: relation.kind ?? '', columns: columns.rows, primaryKey: key.rows.map((r) => r.name) };
}

async function createTable(client: Client, table: string, columns: SinkColumn[]): Promise<void> {
  const definitions = columns.map((c) => `${quoteName(c.name)} ${c.type}${c.name === 'id' ? ' primary key' : ''}`);
  try {
    await client.query(`create table if not exists ${quoteTable(table)} (${definitions.join(', ')})`);
  } catch (error) {
    if (!RACED_CREATE.has((error as { code?: string }).code ?? '')) throw error;
  }
}

/**
 * Makes `table` ready for the upsert of `columns`: created when missing, the columns it lacks
 * added (a field the schema gained since the last run), refused with every reason otherwise.
 */
export async function ensureSinkTable(client: Client, table: string, columns: SinkColumn[]): Promise<void> {
  const refuse = (problems: string[]) =>
    new SinkProblem(`table ${table} cannot take the results: ${problems.join('; ')}`);
  const named = columnNameProblems(columns);
  if (named.length) throw refuse(named);
  let catalog = await readCatalog(client, table);
  if (!catalog) {
    await createTable(client, table, columns);
    catalog = await readCatalog(client, table);
  }
  if (!catalog) throw refuse(['it could not be created']);
  if (catalog.kind !== 'r' && catalog.kind !== 'p') throw refuse(['it is not a table (a view, a sequence, ...)']);
  const { missing, problems } = tableFit(columns, catalog.columns, catalog.primaryKey);
  if (problems.length) throw refuse(problems);
  for (const column of missing)
    await client.query(
      `alter table ${quoteTable(table)} add column if not exists ${quoteName(column.name)} ${column.type}`,
    );
}
