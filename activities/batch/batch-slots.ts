// A chunk's slot among the batches a provider and model have in flight (store/batch-slots.ts),
// taken before it submits and given back once its batch is collected: concurrentBatches and
// enqueuedTokens held across every chunk, run and worker (DESIGN.md rule 7).
import { ApplicationFailure } from '@temporalio/common';
import type { ResolvedSpec } from '../../common';
import type { SlotClaim, SlotVerdict } from '../../store';
import type { ActivityDeps } from '../deps';

/** The retryable failure of a wait for room: the retry policy spaces the looks, as polling does. */
export const NO_BATCH_ROOM = 'NoBatchRoom';

export interface BatchSlotInput {
  runId: string;
  chunk: number;
  strike: number;
  spec: ResolvedSpec;
  /** The model the batch is submitted with: limits are the provider's per model. */
  model: string;
}

/** The key a provider's batch limits are counted under. */
export const batchSlotKey = (provider: string, model: string) => `batch:${provider}:${model}`;

export function createBatchSlotActivities({ store }: ActivityDeps) {
  const claimOf = async ({ runId, chunk, strike, spec, model }: BatchSlotInput): Promise<SlotClaim> => ({
    key: batchSlotKey(spec.provider, model),
    runId,
    chunk,
    strike,
    tokens: (await store.items.pendingSize(runId, chunk)).inputTokens,
    maxBatches: spec.limits.concurrentBatches,
    maxTokens: spec.limits.enqueuedTokens,
  });
  return {
    /** One look: takes a slot if there is room. */
    async takeBatchSlot(input: BatchSlotInput): Promise<SlotVerdict> {
      return store.batchSlots.take(await claimOf(input));
    },

    /** Waits for room: each attempt looks once and fails retryably while the provider's capacity is taken. */
    async awaitBatchSlot(input: BatchSlotInput): Promise<SlotVerdict> {
      const verdict = await store.batchSlots.take(await claimOf(input));
      if (verdict.taken) return verdict;
      const { concurrentBatches, enqueuedTokens } = input.spec.limits;
      throw ApplicationFailure.retryable(
        `no room for a batch of ${input.model} at ${input.spec.provider}: ${verdict.inFlight} in flight ` +
          `(limits.concurrentBatches ${concurrentBatches}), ${verdict.enqueuedTokens} input tokens enqueued` +
          (enqueuedTokens > 0 ? ` (limits.enqueuedTokens ${enqueuedTokens})` : ''),
        NO_BATCH_ROOM,
      );
    },

    /** Gives back the chunk's slot for a strike, or every slot it holds. */
    async releaseBatchSlot({ runId, chunk, strike }: { runId: string; chunk: number; strike?: number }) {
      await store.batchSlots.release(runId, chunk, strike);
    },
  };
}
