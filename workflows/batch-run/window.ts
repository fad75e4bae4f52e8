// Step 2, the window: chunk children started one per free slot (at most the provider's concurrent
// batches), none while paused or out of budget, until the plan's chunks are all started, a fatal
// error stops the run, or this execution's share is started (then it continues as new with the
// window still full). The last execution waits for every chunk; a cancel cancels them all.
import {
  CancellationScope,
  condition,
  isCancellation,
  log,
  ParentClosePolicy,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import {
  DEFAULT_CONTINUE_AS_NEW_EVERY,
  rootFailureType,
  rootMessage,
  type ChunkEnd,
  type PlanSummary,
} from '../../common';
import { chunkWorkflow } from '../chunk';
import { LlmModel, LlmPhase, LlmProvider, LlmRunId } from '../search-attributes';
import { budgetSignal, pauseSignal } from '../signals';
import { sendBudgetAlerts } from './alerts';
import { chunkEnded, listenToChunkEnds } from './chunk-ends';
import { chunkWorkflowId, continuing, maxUsdOf, type Run } from './run';
import { chunkHandle, tell } from './tell';
import { publish } from './view';

/**
 * The chunk started n-th: in a hybrid run the sync lane's chunks (plan numbers them last) start
 * first, so their items are answered at once rather than behind the batches.
 */
function chunkToStart(plan: PlanSummary, n: number): number {
  const sync = plan.syncChunks ?? 0;
  return n < sync ? plan.chunks - sync + n : n - sync;
}

/** Starts one chunk child and reads its end; it never rejects (a failed chunk's items are dead-lettered). */
async function runChunk(run: Run, plan: PlanSummary, chunk: number): Promise<void> {
  const { runId, spec, state } = run;
  run.chunks.running.add(chunk);
  const endOf = (error: unknown): ChunkEnd =>
    isCancellation(error)
      ? { chunk, cancelled: true }
      : { chunk, failure: { message: rootMessage(error), type: rootFailureType(error) } };
  let handle;
  try {
    handle = await startChild(chunkWorkflow, {
      workflowId: chunkWorkflowId(runId, chunk, plan.chunks),
      args: [{ runId, chunk, spec, maxUsd: maxUsdOf(run) }],
      // The chunk outlives this run when it continues as new; the next run inherits it.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `${runId} chunk ${chunk + 1}/${plan.chunks}`,
      typedSearchAttributes: [
        { key: LlmRunId, value: runId },
        { key: LlmProvider, value: spec.provider },
        { key: LlmModel, value: spec.model },
        { key: LlmPhase, value: 'submitting' },
      ],
    });
  } catch (error) {
    return chunkEnded(run, endOf(error));
  }
  run.chunks.started.add(chunk);
  // A pause that came while the child was starting: tell it now.
  if (state.paused) await tell(run, chunk, pauseSignal);
  publish(run);
  chunkEnded(run, await handle.result().then((outcome): ChunkEnd => ({ chunk, outcome }), endOf));
}

/**
 * Cancelled: this run's children are cancelled with its scope; the inherited ones are told here.
 * Each stops its batch, keeps what it answered, dead-letters the rest and signals its end, which
 * the run waits for before it writes the files.
 */
export async function cancelWindow(run: Run): Promise<void> {
  const { running, settling, inherited } = run.chunks;
  run.phase = 'cancelling';
  publish(run);
  await CancellationScope.nonCancellable(async () => {
    for (const chunk of inherited) {
      const handle = chunkHandle(run, chunk);
      await handle
        .cancel()
        .catch((error: unknown) => log.warn('could not cancel a chunk', { chunk, error: String(error) }));
      // A cancel request to a closed workflow is accepted silently; a signal is refused. A chunk
      // that closed yet never told its end (its end signal comes before it closes) was
      // terminated: its items are dead-lettered rather than waited for for ever. The signal is
      // harmless to a chunk still running (a budget look it does not need while cancelling).
      await handle.signal(budgetSignal, {}).catch(() =>
        chunkEnded(run, {
          chunk,
          failure: { message: `chunk ${chunk} closed without telling the run (terminated?)` },
        }),
      );
    }
    await condition(() => running.size === 0 && settling.size === 0);
  });
}

/**
 * Runs the window until this execution's share of chunks is started and, for the last execution,
 * every chunk has ended; for one that continues as new, until its children exist (so the next run
 * can signal them) and the ends heard are recorded. Everything from the window's last wait to the
 * closing of the budget alerts stays in this one function: no await may come between them.
 */
export async function windowStep(run: Run, plan: PlanSummary): Promise<void> {
  const { input, spec, state } = run;
  const { running, started, settling } = run.chunks;
  run.phase = 'running';
  publish(run);
  listenToChunkEnds(run);
  const window = Math.max(1, spec.limits.concurrentBatches);
  const share = input.continueAsNewEvery ?? DEFAULT_CONTINUE_AS_NEW_EVERY;
  let startedHere = 0;
  /** The run itself was cancelled (not only one of its chunks, by an operator). */
  let runCancelled = false;
  const alerts = sendBudgetAlerts(run, plan);
  try {
    while (
      state.nextChunk < plan.chunks &&
      !state.fatal &&
      startedHere < share &&
      !workflowInfo().continueAsNewSuggested
    ) {
      // Out of budget, nothing new starts: the chunks in flight finish what they submitted.
      await condition(
        () => (running.size < window && !state.paused && run.waitingForBudget.size === 0) || state.fatal !== undefined,
      );
      if (state.fatal) break;
      const chunk = chunkToStart(plan, state.nextChunk++);
      startedHere++;
      void runChunk(run, plan, chunk);
    }
    // The last run waits for every chunk, inherited or its own; one that continues as new, only
    // for its children to exist (so the next run can signal them) and for ends being recorded.
    await condition(() =>
      continuing(run, plan)
        ? settling.size === 0 && [...running].every((chunk) => started.has(chunk))
        : running.size === 0 && settling.size === 0,
    );
  } catch (error) {
    if (!isCancellation(error)) throw error;
    run.cancelled = runCancelled = true;
  }
  if (runCancelled) await cancelWindow(run);
  alerts.close();
  await alerts.done;
}
