// The PGlite database, in a thread of its own. PGlite is PostgreSQL compiled to WebAssembly: every
// query runs synchronously on the thread that called it. On the worker's main thread it held back
// everything else the worker does (rendering, parsing output files, workflow tasks, heartbeats)
// for 60% of a 100k-item run; here it runs on the second core while the main thread goes on.
// store/pglite-client.ts is the other end: messages in, rows or an error out, one at a time per
// connection as PGlite itself serves them.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { ThreadReply, ThreadRequest } from './pglite-messages';

/** One field of a CSV line for COPY: unquoted empty is NULL, strings quoted, objects as JSON. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `"${text.replaceAll('"', '""')}"`;
}

/** An error as plain data: a structured clone would keep the message and drop PostgreSQL's fields. */
function errorData(error: unknown): Extract<ThreadReply, { error: unknown }>['error'] {
  if (!(error instanceof Error)) return { message: String(error), name: 'Error', fields: {} };
  const fields: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(error))
    if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
  return { message: error.message, name: error.name, fields };
}

/**
 * PostgreSQL's page cache inside PGlite's WebAssembly memory, which never shrinks. The default
 * 128 MB made a 1M-item run's worker peak at 2,449 MB; 32 MB peaked at 1,691 MB in the same time
 * (124.8 s vs 125.6 s): the operating system caches the files under it anyway. 16 MB was slower.
 */
const SHARED_BUFFERS = '32MB';

/** A transaction held open while the main thread sends its statements. */
interface OpenTransaction {
  tx: Transaction;
  finish(commit: boolean): void;
  ended: Promise<unknown>;
}

/** Thrown inside PGlite's transaction callback to roll it back without an error reaching the caller. */
const ROLLBACK = new Error('the caller rolled the transaction back');

async function serve(dataDir: string, initOnly: boolean) {
  const port = parentPort;
  if (!port) throw new Error('store/pglite-thread.ts runs as a worker thread');
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir, {
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`],
    });
  } catch (error) {
    port.postMessage({ id: 0, error: errorData(error) } satisfies ThreadReply);
    return;
  }
  if (initOnly) {
    // A new folder was made (initdb); this thread now ends, and its memory with it.
    await db.close();
    port.postMessage({ id: 0, rows: undefined } satisfies ThreadReply);
    return;
  }
  const transactions = new Map<number, OpenTransaction>();

  const begin = (txId: number) =>
    new Promise<void>((opened, failed) => {
      let finish!: (commit: boolean) => void;
      const decided = new Promise<boolean>((resolve) => (finish = resolve));
      const ended = db
        .transaction(async (tx) => {
          transactions.set(txId, { tx, finish, ended });
          opened();
          if (!(await decided)) throw ROLLBACK;
        })
        .catch((error: unknown) => {
          if (error !== ROLLBACK) throw error;
        })
        .finally(() => transactions.delete(txId));
      // A transaction that could not begin never opened: say why.
      ended.catch(failed);
    });

  const handle = async (request: ThreadRequest): Promise<unknown> => {
    const on = request.tx === undefined ? db : transactions.get(request.tx)?.tx;
    if (!on) throw new Error(`transaction ${request.tx} is not open`);
    switch (request.op) {
      case 'query':
        return (await on.query(request.text, request.params)).rows;
      case 'exec':
        await on.exec(request.text);
        return undefined;
      case 'copy': {
        if (request.rows.length === 0) return undefined;
        const csv = request.rows.map((row) => row.map(csvField).join(',')).join('\n') + '\n';
        await on.query(`copy ${request.table} (${request.columns.join(', ')}) from '/dev/blob' with (format csv)`, [], {
          blob: new Blob([csv]),
        });
        return undefined;
      }
      case 'begin':
        await begin(request.txId);
        return undefined;
      case 'end': {
        const open = transactions.get(request.txId);
        if (!open) throw new Error(`transaction ${request.txId} is not open`);
        open.finish(request.commit);
        await open.ended;
        return undefined;
      }
      case 'close':
        await db.close();
        return undefined;
    }
  };

  port.on('message', (request: ThreadRequest) => {
    handle(request).then(
      (rows) => port.postMessage({ id: request.id, rows } satisfies ThreadReply),
      (error: unknown) => port.postMessage({ id: request.id, error: errorData(error) } satisfies ThreadReply),
    );
  });
  port.postMessage({ id: 0, rows: undefined } satisfies ThreadReply);
}

if (parentPort) {
  const { dataDir, initOnly } = workerData as { dataDir: string; initOnly?: boolean };
  void serve(dataDir, initOnly === true);
}
