// The embedded store's server: every process on a folder shares one server (the first starts it,
// the others join, even when they start together); it outlives a starter killed outright; the last
// process to close stops it; a server stopped under an open store comes back at the next
// statement, and one killed outright is started again by the next opener; a folder made by the
// earlier PGlite store is refused with what to do.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EarlierStoreError, openStore, serverState, stopServer } from '../../store';
import { extraSettings } from '../../store/embedded/server';

const ROOT = join(__dirname, '..', '..');
const folders: string[] = [];
const children: ChildProcess[] = [];

function newFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-server-'));
  folders.push(dir);
  return join(dir, 'store');
}

interface Holder {
  child: ChildProcess;
  next(): Promise<Record<string, unknown>>;
}

/** A process holding the folder's store (test/support/store-holder.ts), as `dev` or a worker would. */
function holder(folder: string): Holder {
  const child = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', join(ROOT, 'test', 'support', 'store-holder.ts'), folder],
    {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiting: ((line: Record<string, unknown>) => void)[] = [];
  let buffer = '';
  let errors = '';
  child.stderr.on('data', (d: Buffer) => (errors += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
      buffer = buffer.slice(nl + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  return {
    child,
    next: () =>
      lines.length > 0
        ? Promise.resolve(lines.shift()!)
        : new Promise((resolve, reject) => {
            waiting.push(resolve);
            child.once('exit', (code) => reject(new Error(`the holder exited (${code}): ${errors}`)));
          }),
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let tries = 0; !check(); tries++) {
    if (tries > 200) throw new Error('timed out');
    await sleep(25);
  }
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of folders) {
    await stopServer(join(dir, 'store')).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the embedded store server', () => {
  it('is shared by every process on the folder, outlives a starter killed outright, and stops with the last', async () => {
    const folder = newFolder();
    const starter = holder(folder);
    const { pid } = await starter.next();
    expect(pid).toEqual(expect.any(Number));
    const joiner = holder(folder);
    expect(await joiner.next()).toEqual({ ready: true, pid });
    const here = await openStore(folder);
    expect(serverState(folder)?.pid).toBe(pid);

    starter.child.kill('SIGKILL');
    await exited(starter.child);
    joiner.child.stdin!.write('after-the-kill\n');
    expect(await joiner.next()).toEqual({ wrote: 'after-the-kill' });

    // The joiner leaves on SIGTERM while this process still uses the server: it keeps running.
    joiner.child.kill('SIGTERM');
    await exited(joiner.child);
    expect(joiner.child.exitCode).toBe(0);
    expect(serverState(folder)?.pid).toBe(pid);
    const { rows } = await here.sql.query<{ run_id: string }>('select run_id from runs');
    expect(rows).toEqual([{ run_id: 'after-the-kill' }]);

    await here.sql.close();
    expect(serverState(folder)).toBeUndefined();
  });

  it("runs with the operator's LLMBATCH_STORE_SETTINGS, and refuses one that is not name=value", async () => {
    const folder = newFolder();
    process.env.LLMBATCH_STORE_SETTINGS = 'work_mem=7MB  log_min_duration_statement=2s';
    try {
      const store = await openStore(folder);
      const { rows } = await store.sql.query<{ work_mem: string }>('show work_mem');
      expect(rows).toEqual([{ work_mem: '7MB' }]);
      await store.sql.close();
    } finally {
      delete process.env.LLMBATCH_STORE_SETTINGS;
    }
    expect(() => extraSettings('work_mem = 7MB')).toThrow(
      'LLMBATCH_STORE_SETTINGS: "work_mem" is not name=value (settings are separated by spaces)',
    );
  });

  it('is started once when two processes open a new folder at the same moment', async () => {
    const folder = newFolder();
    const [a, b] = [holder(folder), holder(folder)];
    const [fromA, fromB] = await Promise.all([a.next(), b.next()]);
    expect(fromA.pid).toEqual(expect.any(Number));
    expect(fromB.pid).toBe(fromA.pid);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    await Promise.all([exited(a.child), exited(b.child)]);
    // Both closed together, each while the other was still connected: the server is stopped all the same.
    expect(serverState(folder)).toBeUndefined();
  });

  it('comes back at the next statement when it was stopped under an open store', async () => {
    const folder = newFolder();
    const store = await openStore(folder);
    await store.sql.query("insert into runs (run_id, temporal_run_id) values ('kept', 't')");
    const stopped = await stopServer(folder);
    expect(stopped).toEqual(expect.any(Number));
    // The pool's idle connections see the stop and start the server again, often before the next
    // statement: that one may fail or not; the ones after it find a new server with the data.
    let rows: { run_id: string }[] | undefined;
    for (let tries = 0; !rows && tries < 100; tries++) {
      rows = await store.sql.query<{ run_id: string }>('select run_id from runs').then(
        (r) => r.rows,
        () => sleep(100).then(() => undefined),
      );
    }
    expect(rows).toEqual([{ run_id: 'kept' }]);
    expect(serverState(folder)?.pid).not.toBe(stopped);
    await store.sql.close();
    expect(serverState(folder)).toBeUndefined();
  });

  it('starts a new server when the one in postmaster.pid was killed outright', async () => {
    const folder = newFolder();
    const first = await openStore(folder);
    const killed = serverState(folder)!.pid;
    process.kill(killed, 'SIGKILL');
    // The first store's pool sees its connections die and may start a new server itself.
    await until(() => serverState(folder)?.pid !== killed);
    const second = await openStore(folder);
    expect(serverState(folder)?.pid).not.toBe(killed);
    expect((await second.sql.query('select count(*)::int as n from runs')).rows).toEqual([{ n: 0 }]);
    await first.sql.close().catch(() => undefined);
    await second.sql.close();
    expect(serverState(folder)).toBeUndefined();
  });

  it('refuses a folder that the earlier PGlite store made, saying what to do', async () => {
    const folder = newFolder();
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'PG_VERSION'), '17\n');
    const refusal = openStore(folder);
    await expect(refusal).rejects.toBeInstanceOf(EarlierStoreError);
    await expect(refusal).rejects.toThrow(
      `the store folder ${folder} was made by an earlier llmbatch (the PGlite store), which this version no longer reads`,
    );
    await expect(refusal).rejects.toThrow(`mv ${folder} ${folder}.pglite`);
  });
});
