// `llmbatch cluster up`: a real Temporal server on PostgreSQL with its Web UI, started by the
// project. The demo spec with two worker processes, the server restarted mid-run by `cluster
// restart-server`: `run --wait` exits 0, every line is accounted for, nothing is billed twice.
// A worker on a namespace the server lacks says what to run; a DATABASE_URL's missing database is
// made. `cluster down` leaves no process and no listener behind.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { parse, stringify } from 'yaml';
import { verifyRunFiles } from '../../client/verify-run-files';
import type { RunReport } from '../../common';
import { readState } from '../../dev/cluster/state';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { processAlive } from '../../store/embedded/postmaster-pid';
import { progressQuery } from '../../workflows';
import { chunkWorkflowId } from '../../workflows/batch-run';
import { activityPlacements } from '../support/activity-placements';
import { cli, spawnCli } from '../support/cli';
import { until } from '../support/until';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

const DEMO = join(__dirname, '..', '..', 'examples', 'demo');
/** 1,200 lines in chunks of 100. */
const DEMO_CHUNKS = 12;

/** Does anything accept connections on this loopback port? */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Processes whose command line names the cluster's folder. */
function processesOf(dir: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('llmbatch cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-cluster-'));
  const env: Record<string, string> = {};
  let simulator: RunningSimulator;
  const workers: WorkerProcess[] = [];
  const taskQueue = `cluster-${Date.now()}`;
  const worker = (extraEnv: Record<string, string> = {}, storeDir = env.DATABASE_URL) =>
    spawnWorker({ taskQueue, storeDir, simulatorUrl: simulator.url, address: env.TEMPORAL_ADDRESS, extraEnv });

  beforeAll(async () => {
    const up = await cli(['cluster', 'up', '--dir', dir]);
    expect(up.stderr).not.toContain('llmbatch:');
    expect(up.code).toBe(0);
    for (const line of up.stdout.trim().split('\n')) {
      const at = line.indexOf('=');
      env[line.slice(0, at)] = line.slice(at + 1);
    }
    simulator = await startSimulator({
      port: 0,
      profile: { seed: 7, batch: { validatingMs: 200, completionMs: 1500 } },
    });
  }, 600_000);

  afterAll(async () => {
    for (const w of workers) await w.kill();
    await simulator?.close();
    await cli(['cluster', 'down', '--dir', dir]);
  });

  it('prints the environment to use, and the Web UI answers', async () => {
    expect(Object.keys(env)).toEqual(['TEMPORAL_ADDRESS', 'DATABASE_URL', 'TEMPORAL_UI_URL']);
    expect(env.TEMPORAL_ADDRESS).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/llmbatch:[^@]+@127\.0\.0\.1:\d+\/llmbatch$/);
    expect((await fetch(`${env.TEMPORAL_UI_URL}/namespaces/default/workflows`)).status).toBe(200);
    const status = await cli(['cluster', 'status', '--dir', dir]);
    expect(status.stdout).toMatch(/Temporal server v1\.29\.1: running \(pid \d+\)/);
    expect(status.stdout).toMatch(/Web UI: running/);
    expect(status.stdout).toMatch(/PostgreSQL: running/);
  });

  it('a worker on a namespace the server lacks says what to run, exit 1', async () => {
    const lost = worker({ TEMPORAL_NAMESPACE: 'absent' });
    const code = await new Promise((resolve) => lost.child.once('exit', resolve));
    expect(code).toBe(1);
    expect(lost.output().trim()).toBe(
      `worker: namespace "absent" does not exist at ${env.TEMPORAL_ADDRESS}: create it with ` +
        `\`temporal operator namespace create --namespace absent --address ${env.TEMPORAL_ADDRESS}\` ` +
        '(`llmbatch cluster up` does this for the cluster it starts), or set TEMPORAL_NAMESPACE',
    );
  }, 120_000);

  it('the demo on two workers through a server restart: exit 0, every line accounted for, doubleBilled 0', async () => {
    // A database of its own that does not exist yet: the workers make it.
    const storeUrl = env.DATABASE_URL.replace(/\/llmbatch$/, '/llmbatch_cluster_test');
    workers.push(worker({}, storeUrl), worker({}, storeUrl));
    const runDir = join(dir, 'demo');
    const spec = parse(readFileSync(join(DEMO, 'spec.yaml'), 'utf8')) as { output: object };
    mkdirSync(runDir);
    for (const file of ['tickets.jsonl', 'label.schema.json']) copyFileSync(join(DEMO, file), join(runDir, file));
    writeFileSync(join(runDir, 'spec.yaml'), stringify({ ...spec, output: { ...spec.output, dir: 'out' } }));
    const runId = `cluster-demo-${Date.now()}`;
    const run = spawnCli(['run', join(runDir, 'spec.yaml'), '--wait', '--id', runId, '--task-queue', taskQueue], {
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      TEMPORAL_UI_URL: env.TEMPORAL_UI_URL,
    });

    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    try {
      const client = new Client({ connection });
      await until(
        'two chunks done',
        async () =>
          ((
            await client.workflow
              .getHandle(runId)
              .query(progressQuery)
              .catch(() => undefined)
          )?.chunks.done ?? 0) >= 2,
        120_000,
      ).catch((error) => {
        console.log(run.stdout(), run.stderr(), workers.map((w) => w.output()).join('\n---\n'));
        throw error;
      });
      const restart = await cli(['cluster', 'restart-server', '--dir', dir]);
      expect(restart.code).toBe(0);
      expect(restart.stderr).toMatch(/Temporal server \(pid \d+\) stopped/);

      const { code } = await run.exited;
      expect(run.stdout()).toContain(`run ${runId} completed`);
      expect(code).toBe(0);
      const report = JSON.parse(readFileSync(join(runDir, 'out', 'report.json'), 'utf8')) as RunReport;
      const check = verifyRunFiles(report, join(runDir, 'tickets.jsonl'), 'ticket_id');
      expect(check.problems).toEqual([]);
      expect(check).toMatchObject({ ok: true, inputLines: 1200, results: 1199, rejected: 1, deadLetters: 0 });
      expect(simulator.ledger().doubleBilled).toBe(0);

      // Both workers took chunk work.
      const identities = new Set<string>();
      for (let chunk = 0; chunk < DEMO_CHUNKS; chunk++) {
        for (const placement of await activityPlacements(client, chunkWorkflowId(runId, chunk, DEMO_CHUNKS)).catch(
          () => [],
        ))
          if (placement.identity) identities.add(placement.identity);
      }
      expect(identities).toEqual(new Set(workers.map((w) => `${w.child.pid}@${hostname()}`)));
    } finally {
      await connection.close();
    }
  }, 300_000);

  it('`cluster down` leaves no process and no listener behind', async () => {
    for (const w of workers.splice(0)) await w.kill('SIGTERM');
    const state = readState(dir)!;
    const pgPort = Number(new URL(env.DATABASE_URL).port);
    const down = await cli(['cluster', 'down', '--dir', dir]);
    expect(down.code).toBe(0);
    expect(down.stderr).toMatch(
      /Web UI \(pid \d+\) stopped[\s\S]*Temporal server \(pid \d+\) stopped[\s\S]*PostgreSQL \(pid \d+\) stopped/,
    );
    for (const pid of [state.serverPid!, state.uiPid!]) expect(processAlive(pid)).toBe(false);
    expect(processesOf(dir)).toEqual([]);
    for (const port of [...Object.values(state.ports), pgPort]) expect(await listening(port)).toBe(false);
  }, 120_000);
});
