// One process per PGlite folder. PGlite is an embedded database: two processes that open the same
// folder each keep their own copy in memory and overwrite each other's files, and runs then "end"
// with nothing in them. A lock file that names its holder makes the second process refuse at
// start-up, with a message that says what to do instead.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'llmbatch.lock';

interface Holder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export class StoreInUseError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Holder;
  } catch {
    return undefined;
  }
}

/**
 * Takes the folder's lock or throws StoreInUseError naming the holder. A lock left by a process
 * that died (SIGKILL, power loss) on this host is taken over. Returns the release function.
 */
export function lockStoreFolder(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  const me: Holder = {
    pid: process.pid,
    host: hostname(),
    command: process.argv.slice(1).join(' ').slice(0, 300),
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      const stale = holder && holder.host === me.host && holder.pid !== process.pid && !alive(holder.pid);
      if (stale || !holder) {
        // A dead holder, or a lock file cut short by a crash while it was written.
        rmSync(path, { force: true });
        continue;
      }
      throw new StoreInUseError(
        `the store folder ${dataDir} is in use by process ${holder.pid} on ${holder.host} ` +
          `(${holder.command || 'unknown command'}, since ${holder.since}). A PGlite store serves one process: ` +
          'stop that process, give this one its own LLMBATCH_STORE_DIR, or set DATABASE_URL to a PostgreSQL ' +
          'database so that many workers share runs',
      );
    }
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
    };
    process.once('exit', release);
    return release;
  }
  throw new StoreInUseError(`could not take the lock on the store folder ${dataDir}`);
}
