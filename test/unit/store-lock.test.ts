// One process per PGlite folder: a second opener refuses with a message that names the holder and
// the way out; a lock left by a dead process is taken over.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, StoreInUseError, lockStoreFolder, openStore } from '../../store';

const folder = () => mkdtempSync(join(tmpdir(), 'llmbatch-lock-'));

describe('the PGlite folder lock', () => {
  it('refuses a second opener, naming the holder and DATABASE_URL', () => {
    const dir = folder();
    const release = lockStoreFolder(dir);
    try {
      let error: unknown;
      try {
        lockStoreFolder(dir);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StoreInUseError);
      expect(String((error as Error).message)).toMatch(
        new RegExp(`in use by process ${process.pid} on .*LLMBATCH_STORE_DIR.*DATABASE_URL`),
      );
    } finally {
      release();
    }
    // Released: the next opener gets it.
    lockStoreFolder(dir)();
  });

  it('takes over a lock left by a process that died', () => {
    const dir = folder();
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: dead, host: hostname(), command: 'worker', since: new Date().toISOString() }),
    );
    const release = lockStoreFolder(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('is held by an open store and let go when it closes', async () => {
    const dir = folder();
    const store = await openStore(dir);
    await expect(openStore(dir)).rejects.toThrow(/is in use by process/);
    await store.sql.close();
    const again = await openStore(dir);
    await again.sql.close();
  });
});
