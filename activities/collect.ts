// Collect: read BOTH the output and the error file, match lines by custom_id (never by position),
// validate each answer, store successes once and classify every failure. Items missing from both
// files are failures too: nothing is silently dropped.
import { activityInfo, heartbeat, log } from '@temporalio/activity';
import {
  CONFIRM_TOLERANCE,
  classifyHttpFailure,
  isRetryableKind,
  usageCostUsd,
  type FailureKind,
  type ResolvedSpec,
  type TokenUsage,
} from '../common';
import type { ProviderBatch } from '../providers';
import type { FailureRow, ResultRow } from '../store';
import type { ActivityDeps } from './deps';
import { recordStored } from './metrics';
import { checkAnswer } from './output-check';
import { priceModelFor } from './spend-estimate';
import { BatchUsageTally } from './confirmed-cost';

const FLUSH_EVERY = 1000;
const MISSING_KIND: Partial<Record<ProviderBatch['status'], FailureKind>> = {
  failed: 'batch_failed',
  expired: 'expired',
  cancelled: 'cancelled',
};

export interface CollectInput {
  runId: string;
  chunk: number;
  strike: number;
  batch: ProviderBatch;
  spec: ResolvedSpec;
  /** The model the batch was submitted with (spec.model unless the budget downgraded it). */
  model?: string;
  /** Why the chunk cancelled the batch (`batch deadline (24h) passed`): the error of every item it
   * did not run, so a dead letter says why, not just `cancelled`. */
  stopReason?: string;
}

export interface CollectOutcome {
  succeeded: number;
  failed: number;
  retryable: number;
  /** Lines in the files whose custom_id is not one of this chunk's requests (ignored). */
  unknown: number;
}

// eslint-disable-next-line max-lines-per-function -- issue 27: written before the rule, to be split into named steps
export function createCollectActivities({ store, providers, metrics }: ActivityDeps) {
  return {
    // eslint-disable-next-line max-lines-per-function -- issue 27: written before the rule, to be split into named steps
    async collectBatch({
      runId,
      chunk,
      strike,
      batch,
      spec,
      model = spec.model,
      stopReason,
    }: CollectInput): Promise<CollectOutcome> {
      // Once per batch: a retried collect starts later, and its lag is not the provider's.
      if (batch.endedAtMs !== undefined && activityInfo().attempt === 1)
        metrics?.pollLag(spec.provider, model, (Date.now() - batch.endedAtMs) / 1000);
      const priced = priceModelFor(spec, model);
      const cost = (mode: 'batch' | 'sync', usage: TokenUsage) => usageCostUsd(priced, mode, usage, spec.prices);
      const members = await store.chunkDedupKeys(runId, chunk);
      const waiting = await store.pendingKeys(runId, chunk);
      const outcome: CollectOutcome = { succeeded: 0, failed: 0, retryable: 0, unknown: 0 };
      let results: ResultRow[] = [];
      let failures: FailureRow[] = [];
      const fail = (dedupKey: string, row: Omit<FailureRow, 'dedupKey' | 'strike'>) => {
        const error = stopReason && row.kind === 'cancelled' ? `${stopReason}: ${row.error}` : row.error;
        failures.push({ dedupKey, strike, ...row, error });
        outcome.failed++;
        if (row.retryable) outcome.retryable++;
      };
      // One page is written while the next is parsed: the store works on its own thread.
      let writing: Promise<void> = Promise.resolve();
      const flush = async () => {
        await writing;
        const page = { results, failures };
        results = [];
        failures = [];
        writing = Promise.all([
          store.insertResults(runId, page.results, chunk),
          store.recordFailures(runId, page.failures, chunk),
        ]).then(([, fresh]) => {
          // Counted once stored: a page a failed write lost is counted by the retry that stores it, and
          // failures a retried collect records again are not counted again (results are never re-read).
          const failures = page.failures.filter((f) => fresh.has(f.dedupKey));
          recordStored(metrics, { provider: spec.provider, model, mode: 'batch' }, { results: page.results, failures });
          heartbeat({ succeeded: outcome.succeeded, failed: outcome.failed });
        });
        // Observed at the next flush; until then a failed write must not count as unhandled.
        writing.catch(() => undefined);
      };

      const provider = providers.get(spec.provider, model, spec);
      // Every line counts toward the batch's confirmation, also those an earlier attempt stored.
      const tally = new BatchUsageTally();
      for await (const item of provider.readResults(batch)) {
        tally.add(item.usage, item.usage && members.has(item.customId) ? cost('batch', item.usage) : 0);
        if (!waiting.delete(item.customId)) {
          // Stored by an earlier attempt of this activity, or not ours at all.
          if (!members.has(item.customId)) outcome.unknown++;
          continue;
        }
        if (item.ok) {
          const check = checkAnswer(item.content, spec);
          if (check.ok) {
            const { inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens } = item.usage;
            results.push({
              dedupKey: item.customId,
              output: item.content,
              parsed: check.parsed,
              provider: spec.provider,
              model,
              mode: 'batch',
              strike,
              inputTokens,
              outputTokens,
              cacheWriteTokens,
              cacheReadTokens,
              costUsd: cost('batch', item.usage),
              syncCostUsd: cost('sync', item.usage),
            });
            outcome.succeeded++;
          } else {
            fail(item.customId, {
              kind: check.kind,
              retryable: true,
              error: check.error,
              costUsd: cost('batch', item.usage),
            });
          }
        } else {
          const kind = classifyHttpFailure(item.status, item.code);
          const error = [item.status, item.code, item.message].filter(Boolean).join(' ');
          const billed = item.usage ? cost('batch', item.usage) : 0;
          fail(item.customId, { kind, retryable: isRetryableKind(kind), error, costUsd: billed });
        }
        if (results.length + failures.length >= FLUSH_EVERY) await flush();
      }

      // Whatever the files did not mention: the batch failed, expired, was cancelled, or lost it.
      const kind = MISSING_KIND[batch.status] ?? 'missing_output';
      const why =
        batch.status === 'failed'
          ? `batch ${batch.id} failed${batch.errors.length ? `: ${batch.errors.slice(0, 3).join('; ')}` : ''}`
          : `no answer in batch ${batch.id} (${batch.status})`;
      for (const dedupKey of waiting) {
        fail(dedupKey, { kind, retryable: true, error: why });
        if (failures.length >= FLUSH_EVERY) await flush();
      }
      await flush();
      await writing;
      const reported = batch.usage ?? (await provider.reportedUsage?.(batch));
      const usage = tally.record(spec.provider, priced, reported, spec.prices);
      await store.batchUsage.save(runId, chunk, strike, usage);
      if (Math.abs(usage.confirmedUsd - usage.computedUsd) > CONFIRM_TOLERANCE * usage.computedUsd)
        log.warn('the provider bills this batch differently from its lines', { batchId: batch.id, ...usage });
      // The run's next queries (pending counts, the spend of this strike, the tally) join the results
      // it just grew: with statistics from before, the planner would scan the whole table for each.
      await store.refreshStatistics(['results', 'failures']);
      if (outcome.unknown > 0)
        log.warn('batch output had lines for unknown custom_ids', { batchId: batch.id, unknown: outcome.unknown });
      return outcome;
    },
  };
}
