// Stopping a batch of the chunk's own accord: past its deadline, or not started by its start deadline.
import { ApplicationFailure } from '@temporalio/workflow';
import { formatDuration } from '../../common';
import { withAuthWait } from './auth-wait';
import { ranOutOfTime } from './failures';
import { calls, type Batch } from './proxies';
import { enter, type ChunkState } from './state';
import { alert } from './tell';
import { watchBatch } from './watch-batch';

/** Why the chunk stops a batch of its own accord. */
export type StopReason = 'deadline' | 'stalled';

/**
 * The batch outlived poll.deadline (Azure's Global Batch, for one, does not expire a batch at
 * 24 h), or the provider had not started it by poll.startDeadline: cancel it and wait, at most
 * poll.cancelWait, for it to end. Collect then keeps what it answered, once, and fails the rest
 * retryably with the deadline as the reason: they go on to the next strike. A cancel that never
 * ends fails the chunk (its items dead-lettered as chunk_failed) rather than submit them again
 * while the old batch might still answer and bill them.
 */
export async function stopBatch(
  state: ChunkState,
  strike: number,
  batchId: string,
  reason: StopReason,
): Promise<Batch> {
  const { runId, chunk, label, deadline, startDeadline } = state;
  const stalled = reason === 'stalled';
  enter(state, stalled ? 'cancelling:stalled' : 'cancelling:deadline');
  const cancelled = await withAuthWait(state, () =>
    calls.cancelBatch.executeWithOptions(
      {
        ...state.profiles.call,
        summary: `cancel batch ${batchId} (${label}, strike ${strike}): ${stalled ? `not started by its start deadline (${startDeadline})` : `past its deadline (${deadline})`}`,
      },
      [{ runId, chunk, strike, batchId, spec: state.spec, reason }],
    ),
  );
  await alertStopped(state, strike, batchId, reason, cancelled.status);
  try {
    return await withAuthWait(state, () => watchBatch(state, strike, batchId, state.spec.poll.cancelWaitMs, false));
  } catch (error) {
    if (!ranOutOfTime(error)) throw error;
    throw ApplicationFailure.nonRetryable(
      `batch ${batchId} was cancelled at its ${stalled ? `start deadline (${startDeadline})` : `deadline (${deadline})`} but did not end within poll.cancelWait (${formatDuration(state.spec.poll.cancelWaitMs)}): its items are dead-lettered rather than risk paying for them twice`,
      'BatchCancelTimeout',
    );
  }
}

/** Says which batch was stopped, why, and where its unanswered items go. */
function alertStopped(state: ChunkState, strike: number, batchId: string, reason: StopReason, status: string) {
  const { label, deadline, startDeadline } = state;
  const stalled = reason === 'stalled';
  const provider = stalled && state.failovers.length > 0 ? ` at ${state.failovers[0].provider}` : '';
  const next = strike === 1 ? `strike 2 (a new batch${provider})` : 'strike 3 (sync calls)';
  const what = stalled
    ? `had not started after poll.startDeadline (${startDeadline})`
    : `was unfinished after poll.deadline (${deadline})`;
  return alert(
    state,
    stalled ? 'batch-stalled' : 'batch-deadline',
    `batch ${batchId} of ${label} (strike ${strike}) ${what}: ${status === 'cancelling' || status === 'cancelled' ? 'cancelled; what it answered is kept, the rest goes on to ' + next : `it ended ${status} meanwhile and is collected as it is`}`,
    { strike, batchId, status },
  );
}
