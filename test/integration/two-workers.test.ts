// Many machines (issue 11, item 4): two worker processes share a run through the PostgreSQL store,
// and only one of them sees the user's files. That one polls the run's files queue as well
// (`LLMBATCH_FILES_QUEUE`), so plan and finalize run there; the chunks run on either.
//
// "Only one sees the files", honestly on one machine and one uid: each worker gets a working
// directory of its own (machine-a, machine-b), and the run's spec names its input and output by
// paths relative to it (`data/tickets.jsonl`, `out`), as the files machine would name them. The
// input exists only under machine-a, so on worker B the plan would fail with "file not found" and
// a finalize would write to machine-b/out; the test checks neither happened, and reads from the
// workflow histories which worker ran what.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { stringify } from 'yaml';
import { hasActivityPollers } from '../../client/files-queue';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import { rootMessage, type ResolvedSpec, type RunReport } from '../../common';
import { progressQuery } from '../../workflows';
import { chunkWorkflowId } from '../../workflows/batch-run';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, workflowBundle, type Harness } from '../support/harness';
import { until } from '../support/until';
import { activityPlacements, type ActivityPlacement } from '../support/activity-placements';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

/** The report's files as seen from `dir`, the working directory of the worker that wrote them. */
function filesUnder(dir: string, report: RunReport): RunReport {
  const files = Object.fromEntries(Object.entries(report.files).map(([name, path]) => [name, resolve(dir, path)]));
  return { ...report, files: files as RunReport['files'] };
}

const url = process.env.DATABASE_URL;
if (!url) console.warn('DATABASE_URL is not set: the two-worker tests are skipped (.ci/run sets it)');

(url ? describe : describe.skip)('two worker processes, one of which sees the files', () => {
  let h: Harness;
  const workers: WorkerProcess[] = [];
  let machineA: string;
  let machineB: string;
  let spec: ResolvedSpec;
  const filesQueue = `files-${randomUUID()}`;
  let startFilesWorker: () => Promise<WorkerProcess>;
  let a: WorkerProcess;
  let b: WorkerProcess;

  beforeAll(async () => {
    h = await startHarness({
      store: url,
      inProcessWorker: false,
      profile: { batch: { validatingMs: 20, completionMs: 100 } },
    });
    machineA = join(h.dir, 'machine-a');
    machineB = join(h.dir, 'machine-b');
    mkdirSync(join(machineA, 'data'), { recursive: true });
    mkdirSync(machineB, { recursive: true });
    writeTickets(join(machineA, 'data', 'tickets.jsonl'), 1000, { duplicateEvery: 20, invalidJsonLines: [7] });
    writeFileSync(
      join(machineA, 'spec.yaml'),
      stringify(fastSpec({ input: 'data/tickets.jsonl', output: { dir: 'out' }, limits: { concurrentBatches: 4 } })),
    );
    // Checked by the client as usual, then named as the files machine names them (see the top).
    spec = { ...loadSpec(join(machineA, 'spec.yaml')), inputPath: 'data/tickets.jsonl', outputDir: 'out' };

    // One prebuilt workflow bundle for both, as in production (and no two webpack builds at once).
    const bundle = join(h.dir, 'workflow-bundle.js');
    writeFileSync(bundle, (await workflowBundle()).code);
    const common = { taskQueue: h.taskQueue, storeDir: url!, simulatorUrl: h.simulator.url };
    const started = async (worker: WorkerProcess) => {
      workers.push(worker);
      await until('the worker to poll', () => worker.output().includes('worker polling'), 60_000);
      return worker;
    };
    startFilesWorker = () =>
      started(
        spawnWorker({
          ...common,
          cwd: machineA,
          extraEnv: {
            LLMBATCH_WORKFLOW_BUNDLE: bundle,
            LLMBATCH_FILES_QUEUE: filesQueue,
            LLMBATCH_SHUTDOWN_GRACE: '2s',
          },
        }),
      );
    [a, b] = await Promise.all([
      startFilesWorker(),
      started(
        spawnWorker({
          ...common,
          cwd: machineB,
          extraEnv: { LLMBATCH_WORKFLOW_BUNDLE: bundle, LLMBATCH_FILES_QUEUE: '' },
        }),
      ),
    ]);
  });
  afterAll(async () => {
    for (const w of workers) await w.kill('SIGTERM');
    await h?.close();
  });

  it('plans and finalizes on the files worker, runs chunks on both, and accounts for every line', async () => {
    expect(existsSync(join(machineB, spec.inputPath))).toBe(false);
    expect(a.output()).toContain(`files queue "${filesQueue}"`);
    expect(b.output()).not.toContain('files queue');
    await until('the files worker to poll its queue', () => hasActivityPollers(h.client, filesQueue), 30_000);

    const runId = `it-two-workers-${Date.now()}`;
    const handle = await startRun(h.client, spec, {
      taskQueue: h.taskQueue,
      runId,
      filesQueue,
      filesWorkerWaitMs: 60_000,
    });
    const report = await handle.result();

    expect(report).toMatchObject({ items: 1000, rejected: 1, deadLettered: 0, succeeded: 999, duplicates: 50 });
    expect(verifyRunFiles(filesUnder(machineA, report), join(machineA, spec.inputPath), 'id').problems).toEqual([]);
    expect(existsSync(join(machineB, 'out'))).toBe(false);
    expect(h.simulator.ledger()).toMatchObject({ requestsBilled: 949, doubleBilled: 0 });

    const identityA = `${a.child.pid}@${hostname()}`;
    const identityB = `${b.child.pid}@${hostname()}`;
    const parent = await activityPlacements(h.client, runId);
    const fileWork = parent.filter((p) => p.activity === 'planRun' || p.activity === 'finalizeRun');
    expect(fileWork).toEqual([
      { activity: 'planRun', taskQueue: filesQueue, identity: identityA },
      { activity: 'finalizeRun', taskQueue: filesQueue, identity: identityA },
    ]);
    // Nothing else of the run goes to the files queue: the store's bookkeeping runs anywhere.
    expect(parent.filter((p) => p.taskQueue === filesQueue)).toHaveLength(2);

    const chunkWork: ActivityPlacement[] = [];
    for (let chunk = 0; chunk < report.batches; chunk++) {
      chunkWork.push(...(await activityPlacements(h.client, chunkWorkflowId(runId, chunk, report.batches))));
    }
    expect(chunkWork.length).toBeGreaterThanOrEqual(3 * report.batches);
    expect(new Set(chunkWork.map((p) => p.taskQueue))).toEqual(new Set([h.taskQueue]));
    expect(new Set(chunkWork.map((p) => p.identity))).toEqual(new Set([identityA, identityB]));
  });

  it('holds the files while the files worker is gone, says so, and writes them when it is back', async () => {
    const outputDir = 'out-restart';
    const runId = `it-two-workers-restart-${Date.now()}`;
    const ledgerBefore = h.simulator.ledger().requestsBilled;
    const handle = await startRun(
      h.client,
      { ...spec, outputDir },
      {
        taskQueue: h.taskQueue,
        runId,
        filesQueue,
        filesWorkerWaitMs: 1500,
      },
    );
    await until(
      'the plan',
      async () => (await handle.query(progressQuery).catch(() => undefined))?.phase === 'running',
    );
    // The files machine goes away mid-run: the chunks go on on B, the files wait for A.
    await a.kill('SIGTERM');
    await until(
      'the run to wait for its files worker',
      async () => (await handle.query(progressQuery).catch(() => undefined))?.phase === 'waiting:files',
      60_000,
    );
    expect(await handle.query(progressQuery)).toMatchObject({ phase: 'waiting:files', filesQueue, outputDir });
    expect(existsSync(join(machineB, outputDir))).toBe(false);
    a = await startFilesWorker();
    const report = await handle.result();

    expect(report).toMatchObject({ items: 1000, rejected: 1, deadLettered: 0, succeeded: 999, status: 'completed' });
    expect(verifyRunFiles(filesUnder(machineA, report), join(machineA, spec.inputPath), 'id').problems).toEqual([]);
    expect(existsSync(join(machineB, outputDir))).toBe(false);
    expect(h.simulator.ledger().requestsBilled - ledgerBefore).toBe(949);
    const parent = await activityPlacements(h.client, runId);
    // The first finalize timed out waiting for a worker; the second ran on the files worker that came back.
    expect(parent.filter((p) => p.activity === 'finalizeRun')).toEqual([
      { activity: 'finalizeRun', taskQueue: filesQueue },
      { activity: 'finalizeRun', taskQueue: filesQueue, identity: `${a.child.pid}@${hostname()}` },
    ]);
    expect(parent.filter((p) => p.activity === 'sendAlert').length).toBeGreaterThanOrEqual(1);
  });
});

describe('a files queue that no worker polls', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('fails the run before anything is sent, naming the worker to start', async () => {
    writeTickets(join(h.dir, 'tickets.jsonl'), 10);
    const spec = loadSpec(h.writeSpec(fastSpec()));
    const filesQueue = `files-nobody-${randomUUID()}`;
    expect(await hasActivityPollers(h.client, filesQueue)).toBe(false);
    const handle = await startRun(h.client, spec, {
      taskQueue: h.taskQueue,
      runId: `it-no-files-worker-${Date.now()}`,
      filesQueue,
      filesWorkerWaitMs: 1500,
    });
    const error: unknown = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(rootMessage(error)).toBe(
      `no worker took the plan from files queue "${filesQueue}" within 1.5 s: start ` +
        `\`llmbatch worker --files-queue ${filesQueue}\` on the machine that sees ${spec.inputPath}`,
    );
    expect(h.simulator.ledger().requestsBilled).toBe(0);
  });
});
