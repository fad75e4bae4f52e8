// Waiting on a submitted batch within its deadlines: poll.deadline after its submission for its end,
// poll.startDeadline for the provider to take it up at all.
import { CancellationScope, condition, isCancellation, log, sleep } from '@temporalio/workflow';
import { POLL_SLACK_MS } from '../activity-profiles';
import { lookNow, type Batch } from './proxies';
import type { ChunkState } from './state';
import { watchBatch } from './watch-batch';

/** What waitForBatch answers when the batch's deadline came before its end. */
export const PAST_DEADLINE = 'past-deadline';
/** What waitForBatch answers when the provider had not started the batch by poll.startDeadline. */
export const NOT_STARTED = 'not-started';
export type BatchWait = Batch | typeof PAST_DEADLINE | typeof NOT_STARTED;

/** Started: the provider has taken the batch up (OpenAI's `validating`, Gemini's PENDING are not). */
const hasStarted = (batch: Batch) => batch.status !== 'validating';

/**
 * Waits for a batch until it ends or its deadline passes, whichever comes first, and (when
 * poll.startDeadline comes before the deadline) stops waiting for one the provider has not started
 * by then. `deadlineAt` and `startDeadlineAt` are workflow time (the submission's, plus
 * poll.deadline and poll.startDeadline) and each a durable timer, so a worker restart or a replay
 * measures the same deadlines, and no worker's clock is trusted.
 */
export async function waitForBatch(
  state: ChunkState,
  strike: number,
  batchId: string,
  deadlineAt: number,
  startDeadlineAt: number,
): Promise<BatchWait> {
  const leftMs = deadlineAt - Date.now();
  if (leftMs <= 0) return PAST_DEADLINE;
  const scope = new CancellationScope();
  const watching = scope.run(() => watchBatch(state, strike, batchId, leftMs + POLL_SLACK_MS, true));
  const timer = scope
    .run(() =>
      sleep(leftMs, {
        summary: `deadline of batch ${batchId} (${state.label}, strike ${strike}): ${state.deadline} after its submission`,
      }),
    )
    .then((): typeof PAST_DEADLINE => PAST_DEADLINE);
  const racers: Promise<BatchWait>[] = [watching, timer];
  if (startDeadlineAt < deadlineAt)
    racers.push(scope.run(() => watchStart(state, strike, batchId, startDeadlineAt - Date.now())));
  // Whichever loses is cancelled; its rejection then is expected, not an error.
  for (const racer of racers) void racer.catch(() => undefined);
  try {
    return await Promise.race(racers);
  } finally {
    scope.cancel();
    // The watch ends first (its overdue alarm, an alert on its way), so nothing outlives the wait.
    await watching.catch(() => undefined);
  }
}

/**
 * The stalled-batch watchdog: at poll.startDeadline (`leftMs` from now) a look at the batch;
 * answers NOT_STARTED if the provider has not taken it up, else never (the wait goes on). A look
 * that fails (the provider down for a moment, its circuit open) is no reason to cancel, nor to give
 * up watching: one failed look used to leave a stalled batch waited on until poll.deadline, a day
 * by default, which is the stall this watchdog is for. So it looks again every poll.max until a
 * look answers.
 */
async function watchStart(
  state: ChunkState,
  strike: number,
  batchId: string,
  leftMs: number,
): Promise<typeof NOT_STARTED> {
  const { runId, chunk, label } = state;
  if (leftMs > 0)
    await sleep(leftMs, {
      summary: `start deadline of batch ${batchId} (${label}, strike ${strike}): ${state.startDeadline} after its submission`,
    });
  for (;;) {
    const now = await lookNow
      .lookAtBatch({ runId, chunk, strike, batchId, spec: state.spec })
      .catch((error: unknown) => {
        if (isCancellation(error)) throw error;
        log.warn('could not look at the batch at its start deadline; looking again', {
          chunk,
          batchId,
          error: String(error),
        });
        return undefined;
      });
    if (now) {
      if (!hasStarted(now)) return NOT_STARTED;
      break;
    }
    await sleep(Math.max(state.spec.poll.maxMs, state.spec.poll.initialMs), {
      summary: `look again whether batch ${batchId} (${label}, strike ${strike}) has started`,
    });
  }
  await condition(() => false); // only a cancel of the wait ends this
  return NOT_STARTED;
}
