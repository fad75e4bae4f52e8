// The sliding window across continue-as-new (the samples' batch-sliding-window pattern): a run of
// 12 chunks, 3 at a time, continuing as new every 2 chunks, keeps its chunks in flight through
// every continue-as-new instead of draining; the next run inherits them and hears their end by
// signal. Proved from the parent's histories, with every line accounted for and nothing billed
// twice; a cancel reaches inherited chunks; an inherited chunk that fails for good is dead-lettered.
import { join } from 'node:path';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import type { RunProgress } from '../../common';
import { chunkWorkflowId, progressQuery } from '../../workflows';
import { chunkEndedSignal, reportQuery } from '../../workflows/signals';
import { writeTickets } from '../support/datasets';
import { followRun } from '../support/follow-run';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl } from '../support/run-files';
import { until } from '../support/until';
import { carriedAcross, mostAtOnce, windowTimeline } from '../support/window-timeline';

const WINDOW = 3;
const EVERY = 2;

describe('the sliding window across continue-as-new', () => {
  let h: Harness;
  beforeAll(async () => {
    // A short circuit breaker: the auth case meets a refused key on every call.
    h = await startHarness({ providerEnv: { breaker: { initialOpenMs: 200, maxOpenMs: 500 } } });
  });
  afterAll(async () => h?.close());

  /** `chunks` chunks of 20 tickets, WINDOW at a time, continuing as new every EVERY chunks. */
  const start = async (name: string, chunks: number, overrides: Record<string, unknown> = {}) => {
    writeTickets(join(h.dir, `${name}.jsonl`), chunks * 20);
    const spec = loadSpec(
      h.writeSpec(
        fastSpec({
          name,
          input: `${name}.jsonl`,
          output: { dir: `out-${name}` },
          chunkSize: 20,
          limits: { concurrentBatches: WINDOW },
          ...overrides,
        }),
        `${name}.yaml`,
      ),
    );
    const runId = `it-${name}-${Date.now()}`;
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId, continueAsNewEvery: EVERY });
    return { spec, runId, handle, timeline: () => windowTimeline(h.client, runId) };
  };

  it('keeps its chunks in flight through every continue-as-new, at most the window at once, every line once', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: { validatingMs: 20, completionMs: 400 } });
    const { spec, handle, timeline } = await start('keeps', 12);
    const seen: RunProgress[] = [];
    const report = await followRun(handle, (p) => seen.push(p), 100);

    expect(report).toMatchObject({ status: 'completed', items: 240, succeeded: 240, deadLettered: 0 });
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    const ledger = h.simulator.ledger();
    expect(ledger.doubleBilled).toBe(0);
    expect(ledger.batchesCreated).toBe(report.batches);
    expect(report.batches).toBe(12);
    // Each chunk counted exactly once, across every run.
    expect(await handle.query(progressQuery)).toMatchObject({
      chunks: { total: 12, done: 12, failed: 0, running: [] },
    });
    // What the Web UI and `status` showed never held more than the window.
    expect(Math.max(...seen.map((p) => p.chunks.running.length))).toBeLessThanOrEqual(WINDOW);

    const t = await timeline();
    expect(t.runStarts.length).toBeGreaterThanOrEqual(12 / EVERY);
    expect(t.chunks.map((c) => c.chunk)).toEqual([...Array(12).keys()]);
    expect(t.chunks.filter((c) => c.endedAt === undefined)).toEqual([]);
    expect(mostAtOnce(t)).toBeLessThanOrEqual(WINDOW);
    // Not drained: chunks of one run still ran while a later run started chunks of its own.
    expect(carriedAcross(t).length).toBeGreaterThan(0);
    // A window that drained would run one run's EVERY chunks at a time; this one filled up.
    expect(mostAtOnce(t)).toBe(WINDOW);
  });

  it('cancels inherited chunks with the run: every line accounted for, their batches cancelled', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: { validatingMs: 200, completionMs: 4000 } });
    const { spec, runId, handle, timeline } = await start('cancel', 12);
    // After the first continue-as-new the run holds chunks 0 and 1, started by its first run.
    await until('a run that inherited chunks in flight', async () => {
      const progress = await handle.query(progressQuery).catch(() => undefined);
      return !!progress?.chunks.running.includes(0) && (await timeline()).runStarts.length > 1;
    });
    await until('their batches created', () => h.simulator.ledger().batchesCreated >= 2);

    await handle.cancel();
    const error = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const report = (await handle.query(reportQuery))!;
    expect(report).toMatchObject({ status: 'cancelled', items: 240 });
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    const kinds = (readJsonl(report.files.deadLetter) as { kind: string }[]).map((d) => d.kind);
    expect(kinds).toContain('cancelled');
    expect(report.succeeded + report.deadLettered).toBe(240);
    const ledger = h.simulator.ledger();
    expect(ledger.batchesCancelled).toBeGreaterThan(0);
    expect(ledger.doubleBilled).toBe(0);

    // The inherited chunk was cancelled by the run that inherited it, and told it so.
    const first = await h.client.workflow.getHandle(chunkWorkflowId(runId, 0, 12)).describe();
    expect(first.status.name).toBe('CANCELLED');
    const chunk0 = (await timeline()).chunks[0];
    expect(chunk0.startedBy).toBe(0);
    expect(chunk0.endedIn).toBeGreaterThan(0);
    // No chunk is left running behind the cancelled run.
    for (const c of (await timeline()).chunks) {
      const { status } = await h.client.workflow.getHandle(chunkWorkflowId(runId, c.chunk, 12)).describe();
      expect(status.name).not.toBe('RUNNING');
    }
  });

  it('ends a run whose inherited chunk was terminated once it is told the chunk failed (README)', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: { validatingMs: 100, completionMs: 2000 } });
    const { spec, runId, handle, timeline } = await start('terminated', 6);
    await until('a run that inherited chunk 0', async () => {
      const progress = await handle.query(progressQuery).catch(() => undefined);
      return !!progress?.chunks.running.includes(0) && (await timeline()).runStarts.length > 1;
    });
    await h.client.workflow.getHandle(chunkWorkflowId(runId, 0, 6)).terminate('an operator');
    // What the README tells the operator to do: the run counts it failed and dead-letters its items.
    await handle.signal(chunkEndedSignal, { chunk: 0, failure: { message: 'terminated by an operator' } });
    const report = await handle.result();

    expect(report).toMatchObject({ status: 'completed', items: 120, succeeded: 100, deadLettered: 20 });
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    const deadLetters = readJsonl(report.files.deadLetter) as { kind: string; reason: string }[];
    expect(deadLetters.map((d) => d.kind)).toEqual(Array(20).fill('chunk_failed'));
    expect(deadLetters[0].reason).toMatch(/terminated by an operator/);
    expect(await handle.query(progressQuery)).toMatchObject({ chunks: { total: 6, done: 6, failed: 1 } });
    expect(h.simulator.ledger().doubleBilled).toBe(0);
  });

  it('cancels a run whose inherited chunk was terminated: the cancel finds it closed, no wait for ever', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: { validatingMs: 100, completionMs: 3000 } });
    const { spec, runId, handle, timeline } = await start('terminated-cancel', 6);
    await until('a run that inherited chunk 0', async () => {
      const progress = await handle.query(progressQuery).catch(() => undefined);
      return !!progress?.chunks.running.includes(0) && (await timeline()).runStarts.length > 1;
    });
    await h.client.workflow.getHandle(chunkWorkflowId(runId, 0, 6)).terminate('an operator');
    await handle.cancel();
    const error = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const report = (await handle.query(reportQuery))!;
    expect(report).toMatchObject({ status: 'cancelled', items: 120 });
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    const deadLetters = readJsonl(report.files.deadLetter) as { kind: string; reason: string }[];
    expect(deadLetters.filter((d) => /closed without telling the run/.test(d.reason))).toHaveLength(20);
    expect(h.simulator.ledger().doubleBilled).toBe(0);
  });

  it('dead-letters the items of inherited chunks that fail for good (a refused API key past authTimeout)', async () => {
    h.simulator.reset();
    h.simulator.setProfile({
      batch: { validatingMs: 20, completionMs: 100 },
      outages: [{ afterMs: 0, forMs: 600_000, status: 401 }],
    });
    const { spec, handle, timeline } = await start('auth-fails', 6, {
      retry: { authProbe: '200ms', authTimeout: '1500ms' },
    });
    const phases = new Set<string>();
    const report = await followRun(handle, (p) => phases.add(p.phase), 100);

    expect(phases).toContain('waiting:auth');
    expect(report).toMatchObject({ status: 'completed', items: 120, succeeded: 0, deadLettered: 120 });
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    const deadLetters = readJsonl(report.files.deadLetter) as { kind: string; reason: string }[];
    expect(new Set(deadLetters.map((d) => d.kind))).toEqual(new Set(['chunk_failed']));
    expect(deadLetters[0].reason).toMatch(/refused the API key/);
    expect(await handle.query(progressQuery)).toMatchObject({
      phase: 'completed',
      chunks: { total: 6, done: 6, failed: 6, running: [], waitingForAuth: [] },
    });
    // Chunks failed after the run that started them had continued as new.
    const t = await timeline();
    expect(t.chunks.filter((c) => c.endedIn! > c.startedBy).length).toBeGreaterThan(0);
    expect(h.simulator.ledger().doubleBilled).toBe(0);
  });
});
