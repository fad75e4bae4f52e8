// A chunk's outcome read back from the store, so counts are the stored truth however often a
// strike's activities ran.
import type { ChunkLaneOf, ChunkOutcome } from '../../common';
import type { ActivityDeps } from '../deps';

export function createChunkTallyActivities({ store }: ActivityDeps) {
  return {
    /** The chunk's model and lane as plan cut it (routing, hybrid); undefined: the spec's. */
    async chunkLane({ runId, chunk }: { runId: string; chunk: number }): Promise<ChunkLaneOf | undefined> {
      return store.items.chunkLane(runId, chunk);
    },

    /** How many of a chunk's requests still need an answer and may get one. */
    async countPending({ runId, chunk }: { runId: string; chunk: number }): Promise<number> {
      return store.items.pendingCount(runId, chunk);
    },

    async tallyChunk({
      runId,
      chunk,
      batches,
    }: {
      runId: string;
      chunk: number;
      batches: number;
    }): Promise<ChunkOutcome> {
      const totals = await store.results.chunkTotals(runId, chunk);
      const failedAnswers = await store.results.failedAnswersCost(runId, chunk);
      return {
        chunk,
        requests: totals.requests,
        succeeded: totals.succeeded,
        deadLettered: totals.requests - totals.succeeded,
        tokens: { input: totals.input_tokens, output: totals.output_tokens },
        costUsd: totals.cost_usd + failedAnswers,
        syncEquivalentUsd: totals.sync_cost_usd,
        batches,
      };
    },
  };
}
