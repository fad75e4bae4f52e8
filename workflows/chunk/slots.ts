// The chunk's room among the batches a provider and model have in flight across every run
// (limits.concurrentBatches, limits.enqueuedTokens).
import { bookkeepingProfile, capacityWaitProfile } from '../activity-profiles';
import { orFailOver } from './failover';
import { books } from './proxies';
import { enter, type ChunkState } from './state';

/**
 * Before a batch is submitted: a slot among the batches the provider and model have in flight
 * across every run. Without room the chunk waits (phase waiting:capacity) rather than have the
 * provider refuse the batch.
 */
export async function takeSlot(state: ChunkState, strike: number, model: string): Promise<void> {
  const { runId, chunk, label } = state;
  const args = { runId, chunk, strike, spec: state.spec, model };
  const first = await books.takeBatchSlot.executeWithOptions(
    { ...bookkeepingProfile, summary: `take a batch slot for ${label} strike ${strike} (${model})` },
    [args],
  );
  if (first.taken) return;
  const resume = state.phase;
  enter(state, 'waiting:capacity');
  await orFailOver(state, strike, (bounded) =>
    state.capacity.awaitBatchSlot.executeWithOptions(
      {
        ...capacityWaitProfile(state.spec.poll),
        ...(bounded.scheduleToCloseTimeout ? { scheduleToCloseTimeout: bounded.scheduleToCloseTimeout } : {}),
        summary: `wait for room: ${first.inFlight} batches of ${model} in flight (limits.concurrentBatches ${state.spec.limits.concurrentBatches})`,
      },
      [args],
    ),
  );
  enter(state, resume);
}

/** Gives back the slot the chunk holds for a strike, or (no strike) every slot it holds. */
export function releaseSlot(state: ChunkState, strike?: number) {
  const { runId, chunk, label } = state;
  return books.releaseBatchSlot.executeWithOptions(
    { ...bookkeepingProfile, summary: `give back ${label}'s batch slot${strike ? ` (strike ${strike})` : 's'}` },
    [{ runId, chunk, strike }],
  );
}
