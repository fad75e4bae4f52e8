// One store folder, many processes on one machine (the embedded PostgreSQL server): `dev` and a
// `worker` side by side on the same folder both serve a run; two workers share a folder, the one
// that started its server is SIGKILLed mid-run, and the run still ends with every line accounted
// for and nothing billed twice; the last process to leave stops the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { serverState } from '../../store';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, workflowBundle, type Harness } from '../support/harness';
import { until } from '../support/until';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

const ROOT = join(__dirname, '..', '..');

// Batches slow enough that the run is still under way when the starter is killed.
const SLOW_BATCHES = { batch: { validatingMs: 100, completionMs: 500 } };

describe('one store folder shared by processes on one machine', () => {
  let h: Harness;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    h = await startHarness({ inProcessWorker: false, webhooks: false, profile: SLOW_BATCHES });
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await h?.close();
  });

  it('goes on when the worker that started the server is SIGKILLed mid-run; the last to leave stops it', async () => {
    // One prebuilt workflow bundle for both workers (no two webpack builds).
    const bundle = join(h.dir, 'workflow-bundle.js');
    writeFileSync(bundle, (await workflowBundle()).code);
    const env = {
      taskQueue: h.taskQueue,
      storeDir: h.storeDir,
      simulatorUrl: h.simulator.url,
      extraEnv: { LLMBATCH_WORKFLOW_BUNDLE: bundle },
    };
    // The starter serves a queue of its own: its death takes the store's server's parent away, and
    // nothing else (activities it held would wait out their timeouts, which crash.test.ts covers).
    const starter = spawnWorker({ ...env, taskQueue: `${h.taskQueue}-starter` });
    workers.push(starter);
    await until('the first worker to poll', () => starter.output().includes('worker polling'), 60_000);
    const joiner = spawnWorker(env);
    workers.push(joiner);
    await until('the second worker to poll', () => joiner.output().includes('worker polling'), 60_000);
    expect(starter.output()).toMatch(/store: PostgreSQL [\d.]+ started on 127\.0\.0\.1:\d+/);
    expect(joiner.output()).not.toContain('store: PostgreSQL');
    const server = serverState(h.storeDir);
    expect(server?.status).toBe('ready');

    writeTickets(join(h.dir, 'tickets.jsonl'), 400, { duplicateEvery: 25 });
    const spec = loadSpec(h.writeSpec(fastSpec({ limits: { concurrentBatches: 2 } })));
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId: `it-shared-store-${Date.now()}` });
    await until('the first batch to be created', () => h.simulator.ledger().batchesCreated >= 1, 60_000);
    await starter.kill('SIGKILL');
    // The server is not the starter's child: it serves on.
    expect(serverState(h.storeDir)?.pid).toBe(server?.pid);

    const report = await handle.result();
    expect(report).toMatchObject({ status: 'completed', items: 400, succeeded: 400, deadLettered: 0, rejected: 0 });
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(h.simulator.ledger()).toMatchObject({ requestsBilled: 384, doubleBilled: 0 });

    await joiner.kill('SIGTERM');
    expect(serverState(h.storeDir)).toBeUndefined();
  });

  it('serves a run with `dev` and a `worker` up on the same folder', async () => {
    const home = join(h.dir, 'laptop');
    mkdirSync(home, { recursive: true });
    const taskQueue = `${h.taskQueue}-dev`;
    let devOutput = '';
    const dev: ChildProcess = spawn(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), join(ROOT, 'client', 'cli.ts'), 'dev'],
      {
        cwd: home,
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'),
          LLMBATCH_TASK_QUEUE: taskQueue,
          LLMBATCH_LOG_LEVEL: 'WARN',
          DATABASE_URL: '',
          TEMPORAL_ADDRESS: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    dev.stdout!.on('data', (d: Buffer) => (devOutput += d.toString()));
    dev.stderr!.on('data', (d: Buffer) => (devOutput += d.toString()));
    let devEnded = false;
    const devExited = new Promise((r) => dev.once('exit', r)).then(() => (devEnded = true));
    try {
      await until(
        'dev to start',
        () => {
          if (devEnded) throw new Error(`dev exited: ${devOutput}`);
          return devOutput.includes('Ctrl-C stops everything');
        },
        120_000,
      );
      const address = /Temporal\s+(\S+)/.exec(devOutput)![1];
      const simulatorUrl = /simulator\s+(\S+)/.exec(devOutput)![1];
      // The worker's default store folder is dev's: .llmbatch/store under the same working directory.
      const worker = spawnWorker({ taskQueue, storeDir: '.llmbatch/store', simulatorUrl, address, cwd: home });
      workers.push(worker);
      await until('the worker beside dev to poll', () => worker.output().includes('worker polling'), 60_000);
      expect(worker.output()).not.toMatch(/in use|refus/);

      writeTickets(join(home, 'tickets.jsonl'), 300);
      writeFileSync(join(home, 'spec.yaml'), JSON.stringify(fastSpec({ limits: { concurrentBatches: 3 } })));
      const spec = loadSpec(join(home, 'spec.yaml'));
      const connection = await Connection.connect({ address });
      try {
        const client = new Client({ connection });
        const handle = await startRun(client, spec, { taskQueue, runId: `it-dev-and-worker-${Date.now()}` });
        const report = await handle.result();
        expect(report).toMatchObject({ status: 'completed', items: 300, succeeded: 300 });
        expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
      } finally {
        await connection.close();
      }
      await worker.kill('SIGTERM');
      // dev still serves (its store is the same server).
      expect(serverState(join(home, '.llmbatch', 'store'))?.status).toBe('ready');
    } finally {
      dev.kill('SIGTERM');
      await devExited;
    }
    expect(serverState(join(home, '.llmbatch', 'store'))).toBeUndefined();
  });
});
