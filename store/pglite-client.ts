// The main thread's end of the PGlite thread (store/pglite-thread.ts): the Sql surface, each call
// a message. A transaction is held open in the thread while `work` sends its statements; PGlite
// holds every other statement back meanwhile, as it did on the main thread.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ThreadReply, ThreadRequest } from './pglite-messages';
import type { Sql } from './sql';
import { transactionSql } from './transaction-sql';

type Pending = { resolve(rows: unknown): void; reject(error: Error): void };
type Send = <T>(request: DistributiveOmit<ThreadRequest, 'id'>) => Promise<T>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The thread's entry: the built file, or else the TypeScript source through tsx's require hook. A
 * .ts path cannot be the Worker's entry itself (Node loads an entry of unknown extension as an ES
 * module and refuses it under `tsx` CLI runs), so a line of CommonJS requires it.
 */
function threadEntry(): { code: string; eval: boolean } {
  const built = join(__dirname, 'pglite-thread.js');
  if (existsSync(built)) return { code: built, eval: false };
  const source = join(__dirname, 'pglite-thread.ts');
  return {
    code: `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(source)});`,
    eval: true,
  };
}

function rebuild(error: Extract<ThreadReply, { error: unknown }>['error']): Error {
  return Object.assign(new Error(error.message), error.fields, { name: error.name });
}

/**
 * A new folder is made by initdb, which PGlite runs in its own WebAssembly instance: the 500 MB it
 * takes stayed with the process for its whole life (the e2e bench's worker, on a new store, idled
 * at 936 MB; with this, 578 MB). So a new folder is made in a thread of its own, which then ends.
 */
async function initializeFolder(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const entry = threadEntry();
  const worker = new Worker(entry.code, { eval: entry.eval, workerData: { dataDir, initOnly: true } });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (reply: ThreadReply) => ('error' in reply ? reject(rebuild(reply.error)) : resolve()));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the PGlite thread exited (code ${code}) making ${dataDir}`)));
    });
  } finally {
    await worker.terminate();
  }
}

/**
 * The thread's JavaScript heap holds a page of rows at a time; without a cap V8 let it grow with
 * the garbage of a million rows before collecting. PGlite's own memory (WebAssembly) is not in it.
 */
const THREAD_HEAP_MB = 256;

/** Starts the thread and waits until PGlite has opened `dataDir` (or says why it could not). */
export async function openPgliteThread(dataDir: string): Promise<Sql> {
  await initializeFolder(dataDir);
  const entry = threadEntry();
  const worker = new Worker(entry.code, {
    eval: entry.eval,
    workerData: { dataDir },
    resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let broken: Error | undefined;

  const fail = (error: Error) => {
    broken ??= error;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the PGlite thread exited (code ${code})`)));

  const opened = new Promise<void>((resolve, reject) => pending.set(0, { resolve: () => resolve(), reject }));
  worker.on('message', (reply: ThreadReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    // An idle thread must not keep the process alive; one with work in hand must.
    if (pending.size === 0) worker.unref();
    if ('error' in reply) waiting.reject(rebuild(reply.error));
    else waiting.resolve(reply.rows);
  });
  await opened;
  worker.unref();

  const send: Send = <T>(request: DistributiveOmit<ThreadRequest, 'id'>) => {
    if (broken) return Promise.reject(broken);
    const id = nextId++;
    worker.ref();
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: (rows) => resolve(rows as T), reject });
      worker.postMessage({ ...request, id });
    });
  };

  const statements = (tx?: number): Pick<Sql, 'query' | 'exec'> => ({
    query: async <T>(text: string, params?: unknown[]) => ({
      rows: await send<T[]>({ op: 'query', text, params, tx }),
    }),
    exec: async (text: string) => {
      await send({ op: 'exec', text, tx });
    },
  });
  let nextTx = 1;

  return {
    ...statements(),
    transaction: async <T>(work: (sql: Sql) => Promise<T>) => {
      const txId = nextTx++;
      await send({ op: 'begin', txId });
      let result: T;
      try {
        const { query, exec } = statements(txId);
        result = await work(transactionSql(query, exec));
      } catch (error) {
        await send({ op: 'end', txId, commit: false }).catch(() => undefined);
        throw error;
      }
      await send({ op: 'end', txId, commit: true });
      return result;
    },
    copyRows: async (table: string, columns: string[], rows: unknown[][]) => {
      await send({ op: 'copy', table, columns, rows });
    },
    close: async () => {
      try {
        await send({ op: 'close' });
      } finally {
        await worker.terminate();
      }
    },
  };
}
