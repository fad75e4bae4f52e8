// The one SQL surface the store needs, over `pg`: the embedded server (store/embedded/) and a
// DATABASE_URL (production, shared by workers on many machines) are the same engine and path.
import { Pool, type PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import Cursor from 'pg-cursor';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { copyTextLine } from './copy-text';
import type { Sql } from './sql-types';
import { transactionSql } from './transaction-sql';

export type { Sql } from './sql-types';

export interface PostgresOptions {
  /** Shown in pg_stat_activity: the embedded server tells its own process's connections from others'. */
  applicationName?: string;
  /** Called when a connection finds the server gone (the embedded one is then started again). */
  onServerGone?: () => void;
}

/** Errors that mean the server is not there (stopped, restarting), not that a statement is wrong. */
const SERVER_GONE = new Set(['ECONNREFUSED', 'ECONNRESET', '57P01', '57P02', '57P03']);

export async function openPostgres(connectionString: string, options: PostgresOptions = {}): Promise<Sql> {
  const pool = new Pool({ connectionString, max: 10, application_name: options.applicationName });
  const watch = <T>(work: Promise<T>): Promise<T> =>
    work.catch((error: { code?: string }) => {
      if (error.code && SERVER_GONE.has(error.code)) options.onServerGone?.();
      throw error;
    });
  // An idle connection the server closed must not crash the process: the pool drops it.
  pool.on('error', (error: Error & { code?: string }) => {
    if (error.code && SERVER_GONE.has(error.code)) options.onServerGone?.();
  });
  // Fail now, with the reason, rather than at the first activity.
  await pool.query('select 1');
  const onClient = async <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => {
    const client = await watch(pool.connect());
    let failure: Error | undefined;
    try {
      return await watch(work(client));
    } catch (error) {
      failure = error as Error;
      throw error;
    } finally {
      // A connection that failed mid-COPY is not reused.
      client.release(failure);
    }
  };
  return {
    query: async <T>(text: string, params?: unknown[]) => {
      const result = await watch(pool.query(text, params));
      return { rows: result.rows as T[] };
    },
    exec: async (text: string) => {
      await watch(pool.query(text));
    },
    transaction: <T>(work: (sql: Sql) => Promise<T>) =>
      onClient(async (client) => {
        await client.query('begin');
        try {
          const result = await work(
            transactionSql(
              async <R>(text: string, params?: unknown[]) => ({ rows: (await client.query(text, params)).rows as R[] }),
              async (text: string) => {
                await client.query(text);
              },
            ),
          );
          await client.query('commit');
          return result;
        } catch (error) {
          await client.query('rollback').catch(() => undefined);
          throw error;
        }
      }),
    copyRows: (table: string, columns: string[], rows: unknown[][]) =>
      onClient(async (client) => {
        const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
        await pipeline(Readable.from(textPages(rows)), stream);
      }),
    cursor: <T>(text: string, params: unknown[], pageSize: number) =>
      readPages<T>(() => watch(pool.connect()), text, params, pageSize),
    close: () => pool.end(),
  };
}

/** COPY's input in pieces of about a thousand rows: one string per row would be a million writes. */
function* textPages(rows: unknown[][]): Generator<string> {
  for (let i = 0; i < rows.length; i += 1000) {
    let page = '';
    for (const row of rows.slice(i, i + 1000)) page += copyTextLine(row);
    yield page;
  }
}

/** A query's rows a page at a time, on one connection held for the whole read. */
async function* readPages<T>(
  connect: () => Promise<PoolClient>,
  text: string,
  params: unknown[],
  pageSize: number,
): AsyncGenerator<T[]> {
  const client = await connect();
  const cursor = client.query(new Cursor<T>(text, params));
  let failure: Error | undefined;
  try {
    for (;;) {
      const rows = await cursor.read(pageSize);
      if (rows.length === 0) return;
      yield rows;
    }
  } catch (error) {
    failure = error as Error;
    throw error;
  } finally {
    await cursor.close().catch(() => undefined);
    client.release(failure);
  }
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}
