// The budget guard against the simulator's ledger: a run whose estimate does not fit is refused
// before anything is submitted; a run crossing yellowAt finishes on the downgrade model; a run
// out of budget stops submitting (10 chunks in flight, a cap that fits about 5: spend stays within
// the cap plus one batch), waits as paused:budget and completes after `llmbatch budget`; two runs
// share one dailyUsd.
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import { verifyRunFiles } from '../../client/verify-run-files';
import type { EstimateReport, ResolvedSpec, RunProgress, RunReport } from '../../common';
import { batchRunWorkflow, estimateWorkflow, progressQuery } from '../../workflows';
import { pauseSignal, reportQuery, resumeSignal } from '../../workflows/signals';
import { cli } from '../support/cli';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, type Harness } from '../support/harness';
import { readJsonl, type DeadLetterLine } from '../support/run-files';
import { pause, until } from '../support/until';

describe('the budget guard', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profile: { batch: { validatingMs: 20, completionMs: 100 } } });
  });
  afterAll(async () => h?.close());

  let sequence = 0;
  /** Tickets and a spec of their own (fastSpec has the cache off: every case pays for its answers). */
  const prepare = (name: string, lines: number, overrides: Record<string, unknown> = {}) => {
    writeTickets(join(h.dir, `${name}.jsonl`), lines);
    const specPath = h.writeSpec(
      fastSpec({
        name,
        input: `${name}.jsonl`,
        output: { dir: `out-${name}` },
        cache: { enabled: false },
        ...overrides,
      }),
      `${name}.yaml`,
    );
    return { specPath, spec: loadSpec(specPath), runId: `it-${name}-${Date.now()}-${++sequence}` };
  };
  const estimate = (spec: ResolvedSpec): Promise<EstimateReport> =>
    h.client.workflow.execute(estimateWorkflow, {
      workflowId: `it-budget-estimate-${Date.now()}-${++sequence}`,
      taskQueue: h.taskQueue,
      args: [{ spec }],
    });

  it('refuses a run whose estimate exceeds maxUsd before anything is submitted', async () => {
    const { specPath, runId } = prepare('refused', 500, { budget: { maxUsd: 0.001 } });
    const before = h.simulator.ledger();
    const run = await cli(['run', specPath, '--wait', '--id', runId, '--task-queue', h.taskQueue]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the estimate \$0\.0\d{3} exceeds budget\.maxUsd \$0\.0010; nothing was submitted/);
    const after = h.simulator.ledger();
    expect(after.batchesCreated).toBe(before.batchesCreated);
    expect(after.requestsBilled).toBe(before.requestsBilled);
    // Every line still ends somewhere: dead letters of kind `budget`, ready for a replay.
    const report = (await h.client.workflow.getHandle(runId).query(reportQuery))!;
    expect(report).toMatchObject({ status: 'failed', items: 500, deadLettered: 500, succeeded: 0 });
    const deadLetters = readJsonl(report.files.deadLetter) as unknown as DeadLetterLine[];
    expect(new Set(deadLetters.map((d) => d.reason.split(':')[0]))).toEqual(new Set(['budget']));
  });

  it('finishes a run that crosses yellowAt on the downgrade model', async () => {
    const probe = prepare('yellow', 1000, { chunkSize: 100, limits: { concurrentBatches: 1 } });
    const likely = (await estimate(probe.spec)).costUsd.batch.likely;
    const { spec, runId } = prepare('yellow', 1000, {
      chunkSize: 100,
      limits: { concurrentBatches: 1 },
      budget: { maxUsd: Number((likely * 1.05).toFixed(6)), yellowAt: 0.4 },
      routing: { downgradeTo: 'gpt-4.1-nano' },
    });
    h.simulator.reset();
    const report = await (await startRun(h.client, spec, { taskQueue: h.taskQueue, runId })).result();
    const ledger = h.simulator.ledger();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ status: 'completed', succeeded: 1000 });
    expect(Object.keys(ledger.byModel).sort()).toEqual(['gpt-4.1-mini', 'gpt-4.1-nano']);
    // Answers keep input order, and the run switched once: every mini answer comes before every nano one.
    const models = readJsonl(report.files.results)
      .filter((r) => !r.duplicateOf)
      .map((r) => r.model as string);
    const firstNano = models.indexOf('gpt-4.1-nano');
    expect(firstNano).toBeGreaterThan(0);
    expect(models.slice(firstNano).every((m) => m === 'gpt-4.1-nano')).toBe(true);
    for (const model of ['gpt-4.1-mini', 'gpt-4.1-nano']) {
      expect(report.byModel[model].costUsd).toBeCloseTo(ledger.byModel[model].costUsd, 6);
    }
    expect(report.costUsd.savings.routing).toBeGreaterThan(0);
    expect(report.costUsd.actual).toBeLessThanOrEqual(spec.budget!.maxUsd!);
  });

  it('stops submitting at the cap with 10 chunks in flight, waits as paused:budget, completes after a raise', async () => {
    // Batches take a while, so ten are in flight together.
    h.simulator.reset();
    h.simulator.setProfile({ batch: { validatingMs: 50, completionMs: 1500 } });
    const { spec, runId } = prepare('red', 3000, {
      chunkSize: 100,
      limits: { concurrentBatches: 10 },
      budget: { maxUsd: 10 },
    });
    const likelyPerChunk = (await estimate(spec)).costUsd.batch.likely / 30;
    // Paused from its first moment: the cap is lowered once planning ended, before any submission.
    const handle = await h.client.workflow.signalWithStart(batchRunWorkflow, {
      workflowId: runId,
      taskQueue: h.taskQueue,
      args: [{ runId, spec }],
      signal: pauseSignal,
      signalArgs: [{ reason: 'test' }],
    });
    const progress = () => handle.query(progressQuery);
    await until('the plan', async () => (await progress()).chunks.total === 30, 60_000);
    const cap = Number((likelyPerChunk * 5.5).toFixed(6));
    const lowered = await cli(['budget', runId, '--max-usd', String(cap)]);
    expect(lowered.stderr).toBe('');
    expect(lowered.stdout).toContain(`cap $${cap.toFixed(4)} (was $10.00)`);
    await handle.signal(resumeSignal);

    let seen: RunProgress | undefined;
    /** Every chunk in the window waits for budget and every batch it paid for is settled. */
    const stopped = async () => {
      seen = await progress();
      const waiting = new Set(seen.budget?.waiting ?? []);
      const { rows } = await h.store!.sql.query<{ open: number }>(
        'select count(*)::int as open from spend where run_id = $1 and actual_usd is null',
        [runId],
      );
      return seen.phase === 'paused:budget' && seen.chunks.running.every((c) => waiting.has(c)) && rows[0].open === 0;
    };
    // Stopped for good: still so a second later (a chunk that settled wakes the waiting ones once).
    await until(
      'the run to stop at its cap',
      async () => (await stopped()) && (await pause(1000), await stopped()),
      60_000,
    );
    const atCap = h.simulator.ledger();
    const { rows } = await h.store!.sql.query<{ usd: number }>(
      'select max(actual_usd)::float8 as usd from spend where run_id = $1',
      [runId],
    );
    const batchCost = rows[0].usd;
    console.log(
      `red: cap $${cap.toFixed(4)}, billed $${atCap.costUsd.toFixed(4)} in ${atCap.batchesCreated} batches ` +
        `(one batch ~$${batchCost.toFixed(4)}); waiting: ${seen!.budget?.reason}`,
    );
    expect(atCap.batchesCreated).toBeGreaterThanOrEqual(5);
    expect(atCap.batchesCreated).toBeLessThan(30);
    expect(atCap.costUsd).toBeLessThanOrEqual(cap + batchCost);
    // ...and it did not stop early either: less than two batches' worth of the cap is left.
    expect(atCap.costUsd).toBeGreaterThan(cap - 2 * batchCost);
    expect(seen!.budget?.reason).toMatch(/^budget\.maxUsd \$0\.\d{4} would be exceeded/);

    const raised = await cli(['budget', runId, '--max-usd', '10']);
    expect(raised.code).toBe(0);
    const report: RunReport = await handle.result();
    expect(verifyRunFiles(report, spec.inputPath, 'id').problems).toEqual([]);
    expect(report).toMatchObject({ status: 'completed', succeeded: 3000 });
    const ledger = h.simulator.ledger();
    expect(ledger.batchesCreated).toBe(30);
    expect(ledger.doubleBilled).toBe(0);
    expect(report.costUsd.actual).toBeCloseTo(ledger.costUsd, 6);
  });

  it('holds one dailyUsd across two runs: the second is refused when the day is spent', async () => {
    h.simulator.reset();
    h.simulator.setProfile({ batch: { validatingMs: 20, completionMs: 100 } });
    const probe = prepare('daily-probe', 1000);
    const likely = (await estimate(probe.spec)).costUsd.batch.likely;
    // Today's spend so far (earlier cases of this file, all in this store) plus room for one run.
    const spentToday = (await h.store!.spend.totals('none')).day;
    const dailyUsd = Number((spentToday + likely * 1.5).toFixed(6));
    const first = prepare('daily-1', 1000, { budget: { dailyUsd } });
    const report = await (
      await startRun(h.client, first.spec, { taskQueue: h.taskQueue, runId: first.runId })
    ).result();
    expect(report.status).toBe('completed');
    const before = h.simulator.ledger();

    const second = prepare('daily-2', 1000, { budget: { dailyUsd } });
    const error = await (
      await startRun(h.client, second.spec, { taskQueue: h.taskQueue, runId: second.runId })
    )
      .result()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const refused = (await h.client.workflow.getHandle(second.runId).query(reportQuery))!;
    expect(refused.error).toMatch(
      /^the estimate \$0\.\d{4} exceeds what is left of budget\.dailyUsd \$0\.\d{4}: \$0\.\d{4} \(\$0\.\d{4} spent by every run today \(UTC\)\)/,
    );
    expect(h.simulator.ledger().batchesCreated).toBe(before.batchesCreated);
  });
});
