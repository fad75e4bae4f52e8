// `run --wait` through a Temporal server that goes away mid-run (stopped for 22 s, then started
// again on its db file): the CLI says once that Temporal is unreachable, says when it
// answers again, and ends with the run's report and exit 0, as if nothing had happened; a
// `status --wait-timeout` asked meanwhile waits for the server too. A `--wait-timeout` ends a wait (exit 124,
// the run going on) and says how to reattach.
import { join } from 'node:path';
import { progressQuery } from '../../workflows';
import { spawnCli } from '../support/cli';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { restartableServer } from '../support/restartable-server';
import { pause, until } from '../support/until';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

describe('the CLI through a Temporal restart', () => {
  const server = restartableServer();
  let h: Harness;
  const workers: WorkerProcess[] = [];
  const workerEnv = () => ({
    taskQueue: h.taskQueue,
    storeDir: h.storeDir,
    simulatorUrl: h.simulator.url,
    address: server.address,
  });

  beforeAll(async () => {
    await server.start();
    h = await startHarness({
      inProcessWorker: false,
      address: server.address,
      profile: { batch: { validatingMs: 20, completionMs: 400 } },
    });
    workers.push(spawnWorker(workerEnv()));
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await h?.close();
    await server.stop();
  });

  it('`run --wait` rides out the server being away and ends with the report, exit 0', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 1500);
    const specPath = h.writeSpec(fastSpec({ chunkSize: 100, limits: { concurrentBatches: 2 } }));
    const runId = `it-ride-out-${Date.now()}`;
    const cli = spawnCli(['run', specPath, '--wait', '--id', runId, '--task-queue', h.taskQueue], {
      TEMPORAL_ADDRESS: server.address,
    });
    const handle = h.client.workflow.getHandle(runId);
    await until(
      'two chunks done',
      async () => ((await handle.query(progressQuery).catch(() => undefined))?.chunks.done ?? 0) >= 2,
      60_000,
    );

    await workers[0].kill();
    await server.stop();
    // `status --wait-timeout` asked while the server is away waits for it too, rather than failing.
    const status = spawnCli(['status', runId, '--wait-timeout', '2m'], { TEMPORAL_ADDRESS: server.address });
    // Longer than the client's own retries of a call (about 19 s): only then does a call fail.
    await pause(22_000);
    await server.start();
    // The worker comes back only once status has answered, so the run is certainly still RUNNING then.
    const statusEnd = await status.exited;
    workers.push(spawnWorker(workerEnv()));
    expect(status.stderr()).toContain(`Temporal unreachable at ${server.address}, retrying`);
    expect(status.stderr()).toContain(`Temporal at ${server.address} answers again`);
    expect(status.stdout()).toContain(`run ${runId}: RUNNING`);
    expect(statusEnd.code).toBe(0);

    const { code } = await cli.exited;
    const stderr = cli.stderr();
    expect(stderr.match(/Temporal unreachable at /g)).toHaveLength(1);
    expect(stderr).toContain(`Temporal unreachable at ${server.address}, retrying (the run goes on in Temporal)`);
    expect(stderr).toContain(`Temporal at ${server.address} answers again`);
    expect(cli.stdout()).toContain(`run ${runId} completed`);
    expect(cli.stdout()).toMatch(/items 1500: 1500 results/);
    expect(code).toBe(0);
  }, 180_000);

  it('`wait --wait-timeout` lets go of a run that goes on: exit 124 and how to reattach', async () => {
    writeTickets(join(h.dir, 'slow.jsonl'), 600);
    const specPath = h.writeSpec(
      fastSpec({ input: 'slow.jsonl', output: { dir: 'out-slow' }, chunkSize: 100, limits: { concurrentBatches: 1 } }),
      'slow.yaml',
    );
    const runId = `it-wait-timeout-${Date.now()}`;
    const started = spawnCli(['run', specPath, '--id', runId, '--task-queue', h.taskQueue], {
      TEMPORAL_ADDRESS: server.address,
    });
    expect((await started.exited).code).toBe(0);
    const waiting = spawnCli(['wait', runId, '--wait-timeout', '1s'], { TEMPORAL_ADDRESS: server.address });
    const { code } = await waiting.exited;
    expect(waiting.stderr()).toContain(
      `llmbatch: stopped waiting after --wait-timeout 1s: run ${runId} goes on; reattach with \`llmbatch wait ${runId}\``,
    );
    expect(code).toBe(124);
    const report = await h.client.workflow.getHandle(runId).result();
    expect(report).toMatchObject({ status: 'completed', items: 600, succeeded: 600 });
  }, 120_000);
});
