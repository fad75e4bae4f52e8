// Poll: one look at the batch. "Not finished yet" is a retryable failure, so Temporal's retry
// policy (60 s -> 300 s by default) does the waiting without writing history events.
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { ResolvedSpec } from '../../common';
import { CircuitOpenError, TERMINAL_BATCH_STATUSES, isAuthError, type ProviderBatch } from '../../providers';
import type { ActivityDeps } from '../deps';

export const BATCH_NOT_READY = 'BatchNotReady';

export const KEY_REFUSED = 'KeyStillRefused';

/** A batch id no provider has: looking it up is an authenticated read that creates nothing. */
const KEY_PROBE_BATCH_ID = 'llmbatch-key-probe';

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

    /**
     * Returns once the provider takes the run's key again, else fails "still refused" (benign), so
     * Temporal's retry policy (retry.authProbe apart, keyWaitProfile) does the waiting with no history
     * event per look. Any answer but a refusal (a 404 for a batch that does not exist, even a 5xx)
     * means the key is no longer what stops the chunk.
     */
    async waitForKey({ spec }: { spec: ResolvedSpec }): Promise<void> {
      try {
        await providers.get(spec.provider, spec.model, spec).getBatch(KEY_PROBE_BATCH_ID);
      } catch (error) {
        if (isAuthError(error) || (error instanceof CircuitOpenError && error.reason === 'auth'))
          throw ApplicationFailure.create({
            message: `${spec.provider} still refuses the API key`,
            type: KEY_REFUSED,
            category: ApplicationFailureCategory.BENIGN,
          });
      }
    },

    async pollBatch({ runId, chunk, strike, batchId, spec }: PollInput): Promise<ProviderBatch> {
      const batch = await providers.get(spec.provider, spec.model, spec).getBatch(batchId);
      if (!TERMINAL_BATCH_STATUSES.has(batch.status)) {
        // For the report's timeline; a no-op after the first running poll.
        if (batch.status !== 'validating') await store.batches.markRunning(runId, chunk, strike);
        const { completed, failed, total } = batch.counts;
        // Benign: a healthy wait, not a failure (no error noise in the Web UI, logs or metrics).
        throw ApplicationFailure.create({
          message: `batch ${batchId} is ${batch.status} (${completed + failed}/${total} done)`,
          type: BATCH_NOT_READY,
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      await store.batches.save(runId, chunk, strike, { status: batch.status });
      await store.batches.markDone(runId, chunk, strike, batch.endedAtMs);
      return batch;
    },
  };
}
