// Moving a chunk to the next failover entry (spec `failover`) when its provider has not taken its
// batch within retry.failoverAfter. Only a chunk whose batch surely does not exist may move: no
// batch id recorded, and no create that may have reached the provider unanswered (a timeout, a
// 500), else the first provider could still bill items the next one answers too.
import type { ActivityDeps } from '../deps';

export interface FailoverVerdict {
  ok: boolean;
  /** Why the chunk stays, when it must. */
  reason?: string;
}

export function createFailoverActivities({ store }: ActivityDeps) {
  return {
    /** Frees what the strike held on its provider (batch slot, spend reservation, batch intent) when it may move. */
    async prepareFailover({
      runId,
      chunk,
      strike,
    }: {
      runId: string;
      chunk: number;
      strike: number;
    }): Promise<FailoverVerdict> {
      const batch = await store.batches.get(runId, chunk, strike);
      if (batch?.providerBatchId) return { ok: false, reason: `its batch ${batch.providerBatchId} exists` };
      if (batch?.createUncertain)
        return { ok: false, reason: 'a create may have reached the provider without an answer coming back' };
      await store.batchSlots.release(runId, chunk, strike);
      await store.spend.cancelReservation(runId, chunk, strike);
      await store.batches.forgetIntent(runId, chunk, strike);
      return { ok: true };
    },
  };
}
