// The e2e bench's memory figure: PSS from /proc, over the worker's process tree and the store
// server named by `<store>/pgdata/postmaster.pid`, each pid counted once.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processTree, pssKb, sampleMemory, storeServerPid } from '../../bench/process-memory';

const linux = process.platform === 'linux' ? describe : describe.skip;

linux('process memory from /proc', () => {
  let child: ChildProcess;
  const dirs: string[] = [];
  const storeDir = (postmasterPid?: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'llmbatch-pss-'));
    dirs.push(dir);
    if (postmasterPid !== undefined) {
      mkdirSync(join(dir, 'pgdata'));
      writeFileSync(join(dir, 'pgdata', 'postmaster.pid'), `${postmasterPid}\n${dir}/pgdata\n1700000000\n5432\n`);
    }
    return dir;
  };

  beforeAll(async () => {
    child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await once(child, 'spawn');
  });

  afterAll(async () => {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("reads this process's PSS", () => {
    expect(pssKb(process.pid)).toBeGreaterThan(0);
  });

  it('counts a spawned child in the tree', () => {
    expect(processTree(process.pid)).toEqual(expect.arrayContaining([process.pid, child.pid]));
    const own = sampleMemory(child.pid!).workerMb;
    expect(own).toBeGreaterThan(0);
    expect(sampleMemory(process.pid).workerMb).toBeGreaterThan(own);
  });

  it('finds no store server without a postmaster.pid', () => {
    expect(storeServerPid(storeDir())).toBeUndefined();
    expect(sampleMemory(process.pid, storeDir())).toMatchObject({ storeMb: 0, storeFound: false });
  });

  it("adds the store server's tree, found through postmaster.pid, taken out of the worker's", () => {
    // This process as the worker and its child as the server it started, as in the bench.
    const dir = storeDir(child.pid);
    expect(storeServerPid(dir)).toBe(child.pid);
    const sample = sampleMemory(process.pid, dir);
    expect(sample.storeFound).toBe(true);
    expect(sample.workerMb).toBeGreaterThan(0);
    expect(sample.storeMb).toBeGreaterThan(0);
    expect(sample.totalMb).toBeCloseTo(sample.workerMb + sample.storeMb);
  });

  it("counts a pid in both trees once, as the store's", () => {
    // The child as the worker, this process as the server: the child is in both trees.
    const sample = sampleMemory(child.pid!, storeDir(process.pid));
    expect(sample.storeFound).toBe(true);
    expect(sample.workerMb).toBe(0);
    expect(sample.totalMb).toBe(sample.storeMb);
  });

  it('ignores a postmaster.pid whose process is gone', () => {
    expect(storeServerPid(storeDir(2 ** 22 + 1))).toBeUndefined();
  });
});
