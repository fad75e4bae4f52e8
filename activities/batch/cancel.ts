// Cancel: asks the provider to stop a batch of a cancelled run. What the batch already answered is
// collected afterwards (the poll waits for it to end as `cancelled`), so nothing paid for is lost.
import { log } from '@temporalio/activity';
import type { ResolvedSpec } from '../../common';
import { TERMINAL_BATCH_STATUSES, type ProviderBatch } from '../../providers';
import type { ActivityDeps } from '../deps';

export interface CancelInput {
  runId: string;
  chunk: number;
  strike: number;
  batchId: string;
  spec: ResolvedSpec;
  /** Why we stop it, kept with the batch's record for the report: our deadline, or it never started. */
  reason?: 'deadline' | 'stalled';
}

export function createCancelActivities({ store, providers }: ActivityDeps) {
  return {
    async cancelBatch({ runId, chunk, strike, batchId, spec, reason }: CancelInput): Promise<ProviderBatch> {
      const provider = providers.get(spec.provider, spec.model, spec);
      const before = await provider.getBatch(batchId);
      // A batch that already ended cannot be cancelled (the provider answers 400); it is collected as is.
      const batch = TERMINAL_BATCH_STATUSES.has(before.status) ? before : await provider.cancelBatch(batchId);
      log.info('provider batch cancelled', { runId, chunk, strike, batchId, status: batch.status });
      await store.batches.save(runId, chunk, strike, {
        status: batch.status,
        ...(reason ? { stopReason: reason } : {}),
      });
      return batch;
    },
  };
}
