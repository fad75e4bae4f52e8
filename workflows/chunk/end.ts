// How a chunk ends: its tally; or, failing for good, its batch slots given back; or, cancelled, its
// provider batch stopped, what it answered kept and the rest dead-lettered as `cancelled`.
import { CancellationScope, log, upsertSearchAttributes } from '@temporalio/workflow';
import type { ChunkOutcome } from '../../common';
import { bookkeepingProfile } from '../activity-profiles';
import { LlmCostUsd, LlmItemsDone, LlmItemsFailed, LlmItemsTotal } from '../search-attributes';
import { settle } from './budget';
import { books, calls, collecting, io } from './proxies';
import { releaseSlot } from './slots';
import { enter, type ChunkState } from './state';
import { watchBatch } from './watch-batch';

/** The chunk's outcome as the store counts it, shown in the Web UI. */
export async function tally(state: ChunkState): Promise<ChunkOutcome> {
  const { runId, chunk, label, batches } = state;
  const outcome = await books.tallyChunk.executeWithOptions({ ...bookkeepingProfile, summary: `tally ${label}` }, [
    { runId, chunk, batches },
  ]);
  upsertSearchAttributes([
    { key: LlmItemsTotal, value: outcome.requests },
    { key: LlmItemsDone, value: outcome.succeeded },
    { key: LlmItemsFailed, value: outcome.deadLettered },
    { key: LlmCostUsd, value: Math.round(outcome.costUsd * 1e6) / 1e6 },
  ]);
  return outcome;
}

/**
 * Failing for good: the room this chunk held among the provider's batches goes back now, not at
 * finalize, or the run's other chunks could wait for it for ever. Its items are dead-lettered as
 * `chunk_failed` by the run.
 */
export async function giveBackSlots(state: ChunkState): Promise<void> {
  await releaseSlot(state).catch((e: unknown) => log.warn('could not give back the batch slots', { error: String(e) }));
}

/** Cancelled (the run was): stop the provider batch, keep what it answered, dead-letter the rest. */
export async function endCancelled(state: ChunkState): Promise<void> {
  const { runId, chunk } = state;
  await CancellationScope.nonCancellable(async () => {
    enter(state, 'cancelling');
    if (state.inFlight) await stopInFlight(state);
    await releaseSlot(state);
    await io.failChunk({ runId, chunk, kind: 'cancelled', error: 'the run was cancelled' });
    await tally(state);
    enter(state, 'cancelled');
  });
}

/** Cancels the batch in flight, waits (bounded) for it to end, collects what it answered and settles. */
async function stopInFlight(state: ChunkState): Promise<void> {
  const { runId, chunk, label } = state;
  const { strike, batchId, model } = state.inFlight!;
  await calls.cancelBatch.executeWithOptions(
    { ...state.profiles.call, summary: `cancel batch ${batchId} (${label}, strike ${strike})` },
    [{ runId, chunk, strike, batchId, spec: state.spec }],
  );
  // Bounded: a cancel that never ends fails the chunk instead of holding the run for ever.
  const batch = await watchBatch(state, strike, batchId, state.spec.poll.cancelWaitMs, false);
  await collecting.collectBatch.executeWithOptions(
    { ...state.profiles.collect, summary: `collect cancelled batch ${batchId} (${label})` },
    [{ runId, chunk, strike, batch, spec: state.spec, model }],
  );
  await settle(state, strike, model);
}
