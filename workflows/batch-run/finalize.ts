// Step 4, finalize: dead-letter what is left when the run did not complete, write every output file
// (waiting for the files worker or for a writable output as long as it takes: the answers are paid
// for), alert on what a user must know, and end the run as completed, failed or cancelled.
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  log,
  proxyActivities,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { rootFailureType, rootMessage, type PlanSummary, type RunReport, type RunStatus } from '../../common';
import { ioProfile } from '../activity-profiles';
import { noFilesWorker, noFilesWorkerMessage, onFilesWorker } from '../files-queue';
import { LlmPhase } from '../search-attributes';
import { alert } from './alerts';
import type { Run } from './run';
import { publish } from './view';

const io = proxyActivities<Activities>(ioProfile);

/** One try at the files, on the files worker; if none takes it in time, the run says so and waits for one. */
async function finalizeOnce(run: Run, plan: PlanSummary, status: RunStatus): Promise<RunReport> {
  const { input, runId, spec, state, writeTo } = run;
  const finalize = (wait: 'bounded' | 'unbounded') =>
    io.finalizeRun.executeWithOptions(
      onFilesWorker({ ...ioProfile, summary: `write the files to ${writeTo.dir}` }, input, wait),
      [
        {
          runId,
          spec: writeTo.dir === spec.outputDir ? spec : { ...spec, outputDir: writeTo.dir },
          plan,
          startedAtMs: state.startedAtMs,
          status,
          error: state.fatal,
        },
      ],
    );
  try {
    return await finalize('bounded');
  } catch (error) {
    if (!noFilesWorker(error)) throw error;
    // Every answer is paid for and in the store: failing now would lose the files, so the run
    // waits for the files worker as long as it takes, and says so (phase, alert, Web UI).
    run.phase = 'waiting:files';
    publish(run);
    await alert(run, 'files-worker-missing', noFilesWorkerMessage(input, 'the output files', writeTo.dir));
    return await finalize('unbounded');
  }
}

/** Dead-letters what is left of a run that did not complete, then writes its files until they are written. */
async function writeOutputs(run: Run, plan: PlanSummary, status: RunStatus): Promise<RunReport> {
  const { runId, spec, state, writeTo } = run;
  if (status !== 'completed') {
    const kind = run.cancelled ? 'cancelled' : (state.fatalKind ?? 'run_failed');
    const why = run.cancelled ? 'the run was cancelled' : state.fatal!;
    await io.failRemaining.executeWithOptions({ ...ioProfile, summary: `dead-letter what is left (${kind})` }, [
      { runId, kind, error: why },
    ]);
  }
  run.phase = 'finalizing';
  publish(run);
  // The answers are paid for and stay in the store: an output that cannot be written (a folder
  // replaced by a file, a bucket gone, a database refusing) leaves the run waiting in phase
  // finalize-failed, tried again with backoff or at once by `llmbatch finalize`, never failed.
  for (let attempt = 0; ; attempt++) {
    try {
      return await finalizeOnce(run, plan, status);
    } catch (error) {
      if (rootFailureType(error) !== 'OutputWriteFailed') throw error;
      writeTo.problem = rootMessage(error);
      run.phase = 'finalize-failed';
      publish(run);
      log.warn('finalize failed; the run waits', { problem: writeTo.problem, attempt });
      const backoff = Math.min((spec.retry.finalizeBackoffMs ?? 60_000) * 2 ** attempt, 30 * 60_000);
      await condition(() => writeTo.asked, backoff);
      writeTo.asked = false;
      run.phase = 'finalizing';
      publish(run);
    }
  }
}

/** What a user must know once the files are written: too many dead letters, a budget refusal, a failure. */
async function alertOnEnd(run: Run, report: RunReport, status: RunStatus): Promise<void> {
  const { runId, spec, state } = run;
  const rate = report.items > 0 ? report.deadLettered / report.items : 0;
  if (status === 'completed' && rate > spec.retry.deadLetterAlertRate) {
    // Stays as the run's phase so that `LlmPhase = "alert:dead-letters"` finds it in the Web UI.
    upsertSearchAttributes([{ key: LlmPhase, value: 'alert:dead-letters' }]);
    const message =
      `${report.deadLettered} of ${report.items} items (${(rate * 100).toFixed(1)}%) ended in the dead letters, ` +
      `over the ${(spec.retry.deadLetterAlertRate * 100).toFixed(1)}% alert rate; see ${report.files.deadLetter}`;
    await alert(run, 'dead-letter-rate', message, { deadLettered: report.deadLettered, items: report.items, rate });
  }
  // A run its budget refused before spending anything says so: the fix is a budget, not a bug hunt.
  // Same activity, other arguments: running histories replay unchanged.
  if (state.fatal && state.fatalKind === 'budget') {
    await alert(run, 'budget-refused', `run ${runId} was refused by its budget: ${state.fatal}`, {
      estimatedUsd: report.costUsd.estimated,
      maxUsd: state.maxUsd ?? spec.budget?.maxUsd,
    });
  } else if (state.fatal) await alert(run, 'run-failed', `run ${runId} failed: ${state.fatal}`);
}

/** Writes the outputs and ends the run: its report, or a cancel or failure that carries it. */
export async function finalizeStep(run: Run, plan: PlanSummary): Promise<RunReport> {
  const { runId, state } = run;
  // A cancel that came while the last alerts went out, with nothing left running: still a cancel.
  run.cancelled ||= CancellationScope.current().consideredCancelled;
  const status: RunStatus = run.cancelled ? 'cancelled' : state.fatal ? 'failed' : 'completed';
  const report = await CancellationScope.nonCancellable(() => writeOutputs(run, plan, status));
  run.report = report;
  run.phase = status;
  publish(run);
  await CancellationScope.nonCancellable(() => alertOnEnd(run, report, status));
  if (run.cancelled) {
    // Ends as Canceled in Temporal (what the Web UI shows); the report stays readable by query.
    throw new CancelledFailure(`run ${runId} was cancelled; outputs for what was done are in ${report.outputDir}`, [
      report,
    ]);
  }
  if (state.fatal) {
    throw ApplicationFailure.create({
      type: 'RunFailed',
      message: `${state.fatal}; outputs for what was done are in ${report.outputDir}`,
      nonRetryable: true,
      details: [report],
    });
  }
  return report;
}
