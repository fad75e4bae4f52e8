// Poll: one look at the batch. "Not finished yet" is a retryable failure, so Temporal's retry
// policy (60 s -> 300 s by default) does the waiting without writing history events.
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { ResolvedSpec } from '../common';
import { TERMINAL_BATCH_STATUSES, type ProviderBatch } from '../providers';
import type { ActivityDeps } from './deps';

export const BATCH_NOT_READY = 'BatchNotReady';

export interface PollInput {
  runId: string;
  chunk: number;
  strike: number;
  batchId: string;
  spec: ResolvedSpec;
}

export function createPollActivities({ store, providers }: ActivityDeps) {
  return {
    /** The batch as it is now, ended or not (the stalled-batch watchdog's look). */
    async lookAtBatch({ spec, batchId }: PollInput): Promise<ProviderBatch> {
      return providers.get(spec.provider, spec.model, spec).getBatch(batchId);
    },

    async pollBatch({ runId, chunk, strike, batchId, spec }: PollInput): Promise<ProviderBatch> {
      const batch = await providers.get(spec.provider, spec.model, spec).getBatch(batchId);
      if (!TERMINAL_BATCH_STATUSES.has(batch.status)) {
        // For the report's timeline; a no-op after the first running poll.
        if (batch.status !== 'validating') await store.markBatchRunning(runId, chunk, strike);
        const { completed, failed, total } = batch.counts;
        // Benign: a healthy wait, not a failure (no error noise in the Web UI, logs or metrics).
        throw ApplicationFailure.create({
          message: `batch ${batchId} is ${batch.status} (${completed + failed}/${total} done)`,
          type: BATCH_NOT_READY,
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      await store.saveBatch(runId, chunk, strike, { status: batch.status });
      await store.markBatchDone(runId, chunk, strike, batch.endedAtMs);
      return batch;
    },
  };
}
