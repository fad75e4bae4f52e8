// Submit: at most one provider batch per (run, chunk, strike), however often this runs. The
// store remembers intent and the batch id; a batch whose create response was lost is found by
// its idempotency key in the provider's metadata before anything new is created.
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ResolvedSpec } from '../../common';
import { classifyProviderError, mayHaveReachedProvider } from '../../providers';
import type { ActivityDeps } from '../deps';

export interface SubmitInput {
  runId: string;
  chunk: number;
  strike: number;
  spec: ResolvedSpec;
  /** The model to submit with: the spec's, or budget's downgrade once the run is yellow. */
  model?: string;
  /** 1, or more when the strike's earlier batch failed as a whole and is submitted again. */
  attempt?: number;
  /** Epoch ms after which no batch is created (a submit bounded by retry.failoverAfter). */
  createBefore?: number;
}

export interface SubmitOutcome {
  /** Undefined when nothing in the chunk still needs an answer. */
  batchId?: string;
  requests: number;
  reused: boolean;
}

export function idempotencyKey(runId: string, chunk: number, strike: number, attempt = 1): string {
  return attempt === 1 ? `${runId}/${chunk}/${strike}` : `${runId}/${chunk}/${strike}/${attempt}`;
}

export function createSubmitActivities({ store, providers, metrics }: ActivityDeps) {
  return {
    async submitBatch({
      runId,
      chunk,
      strike,
      spec,
      model = spec.model,
      attempt = 1,
      createBefore,
    }: SubmitInput): Promise<SubmitOutcome> {
      const key = idempotencyKey(runId, chunk, strike, attempt);
      const recorded = await store.batches.get(runId, chunk, strike);
      // A record of an earlier attempt is the batch that failed: this attempt starts afresh.
      const known = recorded?.attempt === attempt ? recorded : undefined;
      if (known?.providerBatchId) return { batchId: known.providerBatchId, requests: 0, reused: true };

      const provider = providers.get(spec.provider, model, spec);
      const pending = await store.items.pendingCount(runId, chunk);
      if (known) {
        // An earlier attempt got this far: the create may have happened with its answer lost.
        const hint = {
          createdAfterMs: known.createdAtMs ?? 0,
          requests: pending,
          claimed: await store.batches.claimedIds(),
        };
        // A candidate another chunk adopted meanwhile is excluded and the lookup made again; one that
        // comes back although excluded means there is no other.
        for (
          let found = await provider.findBatch(key, hint);
          found && !hint.claimed.has(found.id);
          found = await provider.findBatch(key, hint)
        ) {
          const record = { providerBatchId: found.id, status: found.status, model };
          if (await store.batches.adopt(runId, chunk, strike, record)) {
            log.info('found a batch created by an earlier attempt', { key, batchId: found.id });
            return { batchId: found.id, requests: found.counts.total, reused: true };
          }
          hint.claimed.add(found.id);
        }
      } else {
        await store.batches.save(runId, chunk, strike, { status: 'intent', model, attempt });
      }
      if (pending === 0) return { requests: 0, reused: false };

      // Bounded by retry.failoverAfter, the chunk may move to another provider at the bound: an
      // attempt this late must not create a batch just as it does (two providers would answer it).
      if (createBefore !== undefined && Date.now() > createBefore) {
        throw ApplicationFailure.retryable(
          `too close to this submit's failover deadline (${new Date(createBefore).toISOString()}) to create a batch safely`,
          'TooLateToCreate',
        );
      }
      // Streamed from the store into the upload: nothing else writes this chunk while it submits.
      const requests = (async function* () {
        for await (const p of store.items.pendingRequestPages(runId, chunk))
          yield { customId: p.dedupKey, request: { ...p.body, model } };
      })();
      const metadata = { llmbatch_run: runId.slice(0, 512), llmbatch_chunk: String(chunk) };
      const batch = await provider
        .createBatch(requests, spec.outputSchema, key, metadata, spec.bedrock ? { bedrock: spec.bedrock } : undefined)
        .catch(async (error: unknown) => {
          // A create that may have happened keeps the chunk on this provider (failover would risk a
          // second bill); a clear refusal leaves it free to move.
          if (mayHaveReachedProvider(error)) await store.batches.markCreateUncertain(runId, chunk, strike);
          if (classifyProviderError(error).kind === 'rate_limited')
            metrics?.rateLimited(spec.provider, model, 'batch_create');
          throw error;
        });
      // Counted at once: were saving it to fail, the retry finds this batch again and does not count it.
      metrics?.batchSubmitted(spec.provider, model);
      await store.batches.save(runId, chunk, strike, { providerBatchId: batch.id, status: batch.status, model });
      return { batchId: batch.id, requests: pending, reused: false };
    },
  };
}
