// Operating a run from the CLI as a user does (`llmbatch cancel / pause / resume / wait / status`,
// Ctrl-C on `run --wait`) and from a client's `handle.cancel()` (what the Web UI's Request
// Cancellation sends), against the test dev server, the simulator and an in-process worker.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import type { RunReport } from '../../common';
import { progressQuery } from '../../workflows';
import { reportQuery } from '../../workflows/signals';
import { cli, spawnCli } from '../support/cli';
import { writeTickets } from '../support/datasets';
import { fastSpec, freeClosedPort, startHarness, type Harness } from '../support/harness';
import { readJsonl, type DeadLetterLine } from '../support/run-files';
import { pause, until } from '../support/until';

describe('operating a run', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
  });
  afterAll(async () => h?.close());

  /** Writes `lines` tickets and a spec named after the case, and starts the run (unless `start` is false). */
  const prepare = (name: string, lines: number, overrides: Record<string, unknown> = {}) => {
    writeTickets(join(h.dir, `${name}.jsonl`), lines);
    const specPath = h.writeSpec(
      fastSpec({ name, input: `${name}.jsonl`, output: { dir: `out-${name}` }, ...overrides }),
      `${name}.yaml`,
    );
    return { specPath, spec: loadSpec(specPath), runId: `it-${name}-${Date.now()}` };
  };
  const start = async (name: string, lines: number, overrides: Record<string, unknown> = {}) => {
    const prepared = prepare(name, lines, overrides);
    const handle = await startRun(h.client, prepared.spec, { taskQueue: h.taskQueue, runId: prepared.runId });
    return { ...prepared, handle };
  };

  /** Slow batches, so that some are in flight when the test acts. */
  const slowBatches = (completionMs = 3000) => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: { validatingMs: 200, completionMs } });
  };

  /** What a cancelled run must look like: every line in one file, batches cancelled, nothing billed twice. */
  const expectCancelledRun = (report: RunReport, inputPath: string) => {
    expect(report.status).toBe('cancelled');
    expect(report.items).toBe(300);
    expect(verifyRunFiles(report, inputPath, 'id').problems).toEqual([]);
    const deadLetters = readJsonl(report.files.deadLetter) as unknown as (DeadLetterLine & { kind: string })[];
    const cancelled = deadLetters.filter((d) => d.kind === 'cancelled');
    expect(cancelled.length).toBeGreaterThan(0);
    expect(report.succeeded + report.deadLettered).toBe(300);
    const onDisk = JSON.parse(readFileSync(report.files.report, 'utf8')) as RunReport;
    expect(onDisk).toMatchObject({ status: 'cancelled', succeeded: report.succeeded });
    const ledger = h.simulator.ledger();
    expect(ledger.batchesCancelled).toBeGreaterThan(0);
    expect(ledger.doubleBilled).toBe(0);
  };

  it('cancels a run from the CLI: batches in flight cancelled, every file written, exit 0', async () => {
    slowBatches();
    const { spec, runId } = await start('cancel-cli', 300, { chunkSize: 50, limits: { concurrentBatches: 3 } });
    await until('batches in flight', () => h.simulator.ledger().batchesCreated >= 2);

    const result = await cli(['cancel', runId]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`cancelling run ${runId}`);
    expect(result.stdout).toMatch(new RegExp(`run ${runId} cancelled in [\\d.]+ s`));
    const report = JSON.parse(readFileSync(join(spec.outputDir, 'report.json'), 'utf8')) as RunReport;
    expectCancelledRun(report, spec.inputPath);

    const again = await cli(['cancel', runId]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`llmbatch: run ${runId} already ended (cancelled); nothing to cancel`);
  });

  it("cancels a run from a client's handle.cancel() (the Web UI's Request Cancellation) the same way", async () => {
    slowBatches();
    const { spec, handle } = await start('cancel-ui', 300, { chunkSize: 50, limits: { concurrentBatches: 3 } });
    await until('batches in flight', () => h.simulator.ledger().batchesCreated >= 2);

    await handle.cancel();
    const error = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(CancelledFailure);
    // The SDK drops a cancelled workflow's failure details: the report comes by query (and report.json).
    const report = await handle.query(reportQuery);
    expect(report).toMatchObject({ runId: handle.workflowId, outputDir: spec.outputDir });
    expectCancelledRun(report!, spec.inputPath);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  it('pauses a run (no new batch while paused) and resumes it to the end', async () => {
    slowBatches(1000);
    const { spec, runId, handle } = await start('pause', 300, { chunkSize: 50, limits: { concurrentBatches: 2 } });
    await until('a batch in flight', () => h.simulator.ledger().batchesCreated >= 1);

    const paused = await cli(['pause', runId]);
    expect(paused.stderr).toBe('');
    expect(paused.code).toBe(0);
    expect(paused.stdout.trim()).toBe(`run ${runId}: paused`);
    // A submit already under way when the signal came may still land; after that, nothing new.
    await pause(500);
    const before = h.simulator.ledger().batchesCreated;
    const phases = new Set<string>();
    const watching = (async () => {
      const until = Date.now() + 2000;
      while (Date.now() < until) {
        phases.add((await handle.query(progressQuery)).phase);
        await pause(200);
      }
    })();
    const status = await cli(['status', runId]);
    await watching;
    expect(h.simulator.ledger().batchesCreated).toBe(before);
    expect([...phases]).toEqual(['paused']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('phase paused (paused; `llmbatch resume` continues)');
    expect(status.stdout).toMatch(/chunks \d+\/6 done, 0 failed for good/);
    expect(JSON.parse((await cli(['status', runId, '--json'])).stdout)).toMatchObject({ paused: true });

    const resumed = await cli(['resume', runId]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout.trim()).toMatch(new RegExp(`^run ${runId}: (running|finalizing|completed)$`));
    const report = await handle.result();
    expect(report).toMatchObject({ status: 'completed', items: 300, succeeded: 300, deadLettered: 0 });
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(h.simulator.ledger().batchesCreated).toBeGreaterThan(before);
    expect(h.simulator.ledger().doubleBilled).toBe(0);

    const closed = await cli(['pause', runId]);
    expect(closed.code).toBe(1);
    expect(closed.stderr.trim()).toBe(`llmbatch: run ${runId} has ended (completed); nothing to pause`);
  });

  it('detaches on Ctrl-C during run --wait (exit 130), and `wait` reattaches to the report', async () => {
    slowBatches(1000);
    const { specPath, spec, runId } = prepare('detach', 300, { chunkSize: 50, limits: { concurrentBatches: 2 } });
    const running = spawnCli(['run', specPath, '--wait', '--id', runId, '--task-queue', h.taskQueue]);
    // The first progress line: the CLI is following the run.
    await until('progress from run --wait', () => /^(planning|running): /m.test(running.stdout()));
    running.child.kill('SIGINT');
    expect(await running.exited).toEqual({ code: 130, signal: null });
    expect(running.stderr()).toBe(`detached: run ${runId} goes on; reattach with \`llmbatch wait ${runId}\`\n`);
    expect((await h.client.workflow.getHandle(runId).describe()).status.name).toBe('RUNNING');

    const waited = await cli(['wait', runId]);
    expect(waited.stderr).toBe('');
    expect(waited.code).toBe(0);
    expect(waited.stdout).toContain(`waiting for run ${runId}`);
    expect(waited.stdout).toMatch(new RegExp(`run ${runId} completed in [\\d.]+ s`));
    expect(waited.stdout).toContain('items 300: 300 results (0 duplicates), 0 dead-lettered, 0 rejected');

    const json = await cli(['wait', runId, '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as RunReport;
    expect(report).toMatchObject({ runId, status: 'completed', items: 300, succeeded: 300 });
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);

    // A reader that goes away (`| head`) ends the CLI quietly.
    const piped = spawnCli(['status', runId]);
    piped.child.stdout.destroy();
    expect(await piped.exited).toEqual({ code: 0, signal: null });
    expect(piped.stderr()).toBe('');
  });

  it('warns once, and keeps waiting, when no worker polls the run’s task queue', async () => {
    const { specPath, runId } = prepare('no-worker', 10);
    const taskQueue = `nobody-${Date.now()}`;
    const waiting = spawnCli(['run', specPath, '--wait', '--id', runId, '--task-queue', taskQueue]);
    const warning = `no worker polls task queue "${taskQueue}"; start one with \`llmbatch worker\` (the run waits for it)`;
    await until('the no-worker warning', () => waiting.stderr().includes(warning));
    await pause(2500);
    expect(waiting.child.exitCode).toBeNull();
    waiting.child.kill('SIGINT');
    expect(await waiting.exited).toEqual({ code: 130, signal: null });
    expect(waiting.stderr()).toBe(
      `${warning}\n${`detached: run ${runId} goes on; reattach with \`llmbatch wait ${runId}\``}\n`,
    );
    await h.client.workflow.getHandle(runId).terminate('test over');
  });

  it('tells an unreachable Temporal (or one that is not Temporal) from a run that does not exist', async () => {
    const closed = `127.0.0.1:${await freeClosedPort()}`;
    const notTemporal = new URL(h.simulator.url).host;
    const [refused, wrongServer, missing] = await Promise.all([
      // Without --wait-timeout, status says at once that nothing answers (a typo, a server down).
      cli(['status', 'some-run'], { TEMPORAL_ADDRESS: closed }),
      cli(['status', 'some-run'], { TEMPORAL_ADDRESS: notTemporal }),
      cli(['wait', 'no-such-run']),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^llmbatch: cannot reach Temporal at ${closed}: `));
    expect(wrongServer.code).toBe(1);
    expect(wrongServer.stderr).toMatch(new RegExp(`^llmbatch: cannot reach Temporal at ${notTemporal}: `));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('llmbatch: no run with id "no-such-run"');
  });
});
