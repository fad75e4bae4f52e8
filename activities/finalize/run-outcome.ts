// What the parent workflow does to the store when a chunk or the whole run cannot go on: the
// requests still waiting for an answer are ended as failures with the reason, so finalize writes
// them as dead letters and every line stays accounted for (DESIGN.md rule 6). Also the claim of a
// run id, so a store that outlived its Temporal server never mixes two runs under one id.
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from '../deps';

export function createRunOutcomeActivities({ store }: ActivityDeps) {
  return {
    /** Refuses a run id that an earlier execution already planned in this store. */
    async claimRunId({ runId, temporalRunId }: { runId: string; temporalRunId: string }): Promise<void> {
      const holder = await store.claimRun(runId, temporalRunId);
      if (holder !== temporalRunId) {
        throw ApplicationFailure.nonRetryable(
          `run id "${runId}" was already used by an earlier run in this store (Temporal run ${holder}); ` +
            'start the run under a new id',
          'RunIdReused',
        );
      }
    },

    /**
     * A chunk failed for good (`chunk_failed`) or was cancelled (`cancelled`): its unanswered
     * requests become dead letters of that kind.
     */
    async failChunk({
      runId,
      chunk,
      error,
      kind = 'chunk_failed',
    }: {
      runId: string;
      chunk: number;
      error: string;
      kind?: 'chunk_failed' | 'cancelled';
    }): Promise<number> {
      return store.results.failPending(runId, chunk, kind, error);
    },

    /** The run stopped early: every request still unanswered becomes a dead letter of this kind. */
    async failRemaining({
      runId,
      kind,
      error,
    }: {
      runId: string;
      kind: 'run_failed' | 'cancelled' | 'budget';
      error: string;
    }): Promise<number> {
      return store.results.failPending(runId, undefined, kind, error);
    },
  };
}
