// A chunk's state machine, three strikes: strike 1 submits the chunk as one provider batch,
// strike 2 resubmits only the retryable failures as a new batch, strike 3 calls what still
// remains through the sync API; whatever still fails is dead-lettered by finalize. Permanent
// failures never burn strikes (the store stops offering them). The history holds a fixed number
// of events whatever the chunk size: polling lives in an activity's retries.
//
// A refused API key (401/403) is the run's trouble, not the items': the step that met it waits
// (phase `waiting:auth`, an alert, the parent told) and probes again with backoff until the key
// works or retry.authTimeout passes, when the chunk fails and its items are dead-lettered.
// Paused, the chunk submits nothing new (a batch in flight finishes and is collected). Cancelled,
// it cancels its provider batch, collects what the batch already answered and dead-letters the
// rest as `cancelled`. A batch still unfinished at its deadline (poll.deadline after its
// submission) is cancelled the same way, but its unanswered items go on to the next strike; so is
// a batch the provider has not even started by poll.startDeadline, and then the next strike goes
// to the next provider of the failover chain when there is one.
//
// This file reads as the lifecycle; each step lives in workflows/chunk/, taking the chunk's shared
// state (chunk/state.ts) as one typed object: the batch strike (batch-strike, batch-wait,
// batch-stop, watch-batch), collect, the sync round, failover, batch slots, budget, the auth wait,
// the run's controls, and the chunk's end (tally, cancellation).
import { CancellationScope, getExternalWorkflowHandle, isCancellation, log, workflowInfo } from '@temporalio/workflow';
import { rootFailureType, rootMessage, type ChunkEnd, type ChunkInput, type ChunkOutcome } from '../common';
import { batchStrike } from './chunk/batch-strike';
import { listenForEndedBatches, listenToTheRun } from './chunk/controls';
import { endCancelled, giveBackSlots, tally } from './chunk/end';
import { takeLane } from './chunk/lane';
import { createChunkState, enter, type ChunkState } from './chunk/state';
import { backOff, pendingCount } from './chunk/strikes';
import { syncRound } from './chunk/sync-round';
import { chunkEndedSignal } from './signals';

export { chunkPhaseQuery } from './chunk/controls';

/**
 * Runs the chunk and tells its parent how it ended before it ends (DESIGN.md rule 6): a run that
 * continued as new while the chunk ran has no child handle on it and learns its end only so. A
 * failure or cancel is told, then rethrown: the chunk still fails (or is cancelled) in Temporal.
 */
export async function chunkWorkflow(input: ChunkInput): Promise<ChunkOutcome> {
  const tellEnd = async (end: ChunkEnd) => {
    const parent = workflowInfo().parent;
    if (!parent) return;
    // Not cancellable: a cancelled chunk tells its end after its cleanup, in a cancelled scope.
    await CancellationScope.nonCancellable(() =>
      getExternalWorkflowHandle(parent.workflowId).signal(chunkEndedSignal, end),
    ).catch((error: unknown) => log.warn('could not tell the parent how the chunk ended', { error: String(error) }));
  };
  try {
    const outcome = await processChunk(input);
    await tellEnd({ chunk: input.chunk, outcome });
    return outcome;
  } catch (error) {
    await tellEnd(
      isCancellation(error)
        ? { chunk: input.chunk, cancelled: true }
        : { chunk: input.chunk, failure: { message: rootMessage(error), type: rootFailureType(error) } },
    );
    throw error;
  }
}

/**
 * The chunk's lifecycle: its controls set, its lane read, the strikes run; then its tally, or,
 * failing for good, its slots given back, or, cancelled, its batch stopped and the rest
 * dead-lettered.
 */
async function processChunk(input: ChunkInput): Promise<ChunkOutcome> {
  const state = createChunkState(input);
  listenToTheRun(state);
  // Read after the handlers are set, so that a query or signal in the first workflow task finds them.
  await takeLane(state);
  listenForEndedBatches(state);
  try {
    await runStrikes(state);
  } catch (error) {
    if (!isCancellation(error)) {
      await giveBackSlots(state);
      throw error;
    }
    await endCancelled(state);
    throw error;
  }
  const outcome = await tally(state);
  enter(state, 'done');
  return outcome;
}

/**
 * Strike 1 submits the whole chunk as a batch, waits and collects; strike 2 resubmits the retry
 * set as a new batch; strike 3 calls what remains through the sync lane. What still fails is
 * dead-lettered by the run's finalize.
 */
async function runStrikes(state: ChunkState): Promise<void> {
  if (state.spec.mode === 'sync') return syncStrikes(state);
  await batchStrike(state, 1, await pendingCount(state));
  let pending = await pendingCount(state);
  if (pending > 0) {
    await backOff(state, state.spec.retry.strike2DelayMs, 2);
    await batchStrike(state, 2, pending);
    pending = await pendingCount(state);
  }
  if (pending > 0) {
    await backOff(state, state.spec.retry.strike3DelayMs, 3);
    await syncRound(state, 3, pending);
  }
}

/** Sync mode: every strike is a round of sync calls, with the same waits between strikes. */
async function syncStrikes(state: ChunkState): Promise<void> {
  for (const strike of [1, 2, 3]) {
    const pending = await pendingCount(state);
    if (pending === 0) break;
    if (strike > 1)
      await backOff(state, strike === 2 ? state.spec.retry.strike2DelayMs : state.spec.retry.strike3DelayMs, strike);
    await syncRound(state, strike, pending);
  }
}
