// Collect: read BOTH the output and the error file, match lines by custom_id (never by position),
// validate each answer, store successes once and classify every failure. Items missing from both
// files are failures too: nothing is silently dropped.
import { activityInfo, log } from '@temporalio/activity';
import {
  CONFIRM_TOLERANCE,
  classifyHttpFailure,
  isRetryableKind,
  usageCostUsd,
  type FailureKind,
  type ResolvedSpec,
  type TokenUsage,
} from '../../common';
import type { BatchProvider, ItemResult, ProviderBatch } from '../../providers';
import type { FailureRow, RunStore } from '../../store';
import { answerRow } from '../answers/answer-row';
import { CollectPages } from './collect-pages';
import type { ActivityDeps } from '../deps';
import { checkAnswer } from '../answers/output-check';
import { priceModelFor } from '../spend/spend-estimate';
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

/** What one collect knows while it reads a batch's files. */
interface Collecting {
  spec: ResolvedSpec;
  lane: { provider: string; model: string; mode: 'batch' };
  strike: number;
  stopReason?: string;
  /** Every dedup key of the chunk. */
  members: ReadonlySet<string>;
  /** The chunk's keys still pending when the collect began, each taken off as its line is read. */
  waiting: Set<string>;
  cost: (mode: 'batch' | 'sync', usage: TokenUsage) => number;
  pages: CollectPages;
  outcome: CollectOutcome;
}

/** A failure of this strike; one the chunk's cancel caused says why the chunk cancelled. */
function fail(collecting: Collecting, dedupKey: string, row: Omit<FailureRow, 'dedupKey' | 'strike'>): void {
  const { stopReason, strike } = collecting;
  const error = stopReason && row.kind === 'cancelled' ? `${stopReason}: ${row.error}` : row.error;
  collecting.pages.failed({ dedupKey, strike, ...row, error });
}

/** One line of the output or error file, for an item still waiting: an answer or a failure for the next page. */
function takeLine(collecting: Collecting, item: ItemResult): void {
  const { spec, lane, strike, cost } = collecting;
  if (!item.ok) {
    const kind = classifyHttpFailure(item.status, item.code);
    const error = [item.status, item.code, item.message].filter(Boolean).join(' ');
    const billed = item.usage ? cost('batch', item.usage) : 0;
    fail(collecting, item.customId, { kind, retryable: isRetryableKind(kind), error, costUsd: billed });
    return;
  }
  const check = checkAnswer(item.content, spec);
  if (!check.ok) {
    fail(collecting, item.customId, {
      kind: check.kind,
      retryable: true,
      error: check.error,
      costUsd: cost('batch', item.usage),
    });
    return;
  }
  const answer = { dedupKey: item.customId, output: item.content, parsed: check.parsed, usage: item.usage };
  collecting.pages.answered(
    answerRow(answer, lane, strike, { costUsd: cost('batch', item.usage), syncCostUsd: cost('sync', item.usage) }),
  );
}

/** Reads both files through, paging every waiting item's line; returns the usage of every line. */
async function readBatchFiles(
  collecting: Collecting,
  provider: BatchProvider,
  batch: ProviderBatch,
): Promise<BatchUsageTally> {
  const { members, waiting, cost, pages, outcome } = collecting;
  // Every line counts toward the batch's confirmation, also those an earlier attempt stored.
  const tally = new BatchUsageTally();
  for await (const item of provider.readResults(batch)) {
    tally.add(item.usage, item.usage && members.has(item.customId) ? cost('batch', item.usage) : 0);
    if (!waiting.delete(item.customId)) {
      // Stored by an earlier attempt of this activity, or not ours at all.
      if (!members.has(item.customId)) outcome.unknown++;
      continue;
    }
    takeLine(collecting, item);
    if (pages.heldResults + pages.heldFailures >= FLUSH_EVERY) await pages.flush();
  }
  return tally;
}

/** Whatever the files did not mention: the batch failed, expired, was cancelled, or lost it. */
async function failMissing(collecting: Collecting, batch: ProviderBatch): Promise<void> {
  const kind = MISSING_KIND[batch.status] ?? 'missing_output';
  const why =
    batch.status === 'failed'
      ? `batch ${batch.id} failed${batch.errors.length ? `: ${batch.errors.slice(0, 3).join('; ')}` : ''}`
      : `no answer in batch ${batch.id} (${batch.status})`;
  for (const dedupKey of collecting.waiting) {
    fail(collecting, dedupKey, { kind, retryable: true, error: why });
    if (collecting.pages.heldFailures >= FLUSH_EVERY) await collecting.pages.flush();
  }
}

/** Saves what the batch cost, from its lines and from the provider's own totals where it gives them. */
async function confirmUsage(
  store: RunStore,
  { runId, chunk, strike, batch, spec }: CollectInput,
  priced: string,
  provider: BatchProvider,
  tally: BatchUsageTally,
): Promise<void> {
  const reported = batch.usage ?? (await provider.reportedUsage?.(batch));
  const usage = tally.record(spec.provider, priced, reported, spec.prices);
  await store.batchUsage.save(runId, chunk, strike, usage);
  if (Math.abs(usage.confirmedUsd - usage.computedUsd) > CONFIRM_TOLERANCE * usage.computedUsd)
    log.warn('the provider bills this batch differently from its lines', { batchId: batch.id, ...usage });
}

export function createCollectActivities({ store, providers, metrics }: ActivityDeps) {
  return {
    async collectBatch(input: CollectInput): Promise<CollectOutcome> {
      const { runId, chunk, strike, batch, spec, model = spec.model, stopReason } = input;
      // Once per batch: a retried collect starts later, and its lag is not the provider's.
      if (batch.endedAtMs !== undefined && activityInfo().attempt === 1)
        metrics?.pollLag(spec.provider, model, (Date.now() - batch.endedAtMs) / 1000);
      const priced = priceModelFor(spec, model);
      const members = await store.items.chunkDedupKeys(runId, chunk);
      const waiting = await store.items.pendingKeys(runId, chunk);
      const outcome: CollectOutcome = { succeeded: 0, failed: 0, retryable: 0, unknown: 0 };
      const lane = { provider: spec.provider, model, mode: 'batch' } as const;
      const collecting: Collecting = {
        spec,
        lane,
        strike,
        stopReason,
        members,
        waiting,
        cost: (mode, usage) => usageCostUsd(priced, mode, usage, spec.prices),
        pages: new CollectPages(store, { runId, chunk }, lane, outcome, metrics),
        outcome,
      };
      const provider = providers.get(spec.provider, model, spec);
      const tally = await readBatchFiles(collecting, provider, batch);
      await failMissing(collecting, batch);
      await collecting.pages.close();
      await confirmUsage(store, input, priced, provider, tally);
      // The run's next queries (pending counts, the spend of this strike, the tally) join the results
      // it just grew: with statistics from before, the planner would scan the whole table for each.
      await store.refreshStatistics(['results', 'failures']);
      if (outcome.unknown > 0)
        log.warn('batch output had lines for unknown custom_ids', { batchId: batch.id, unknown: outcome.unknown });
      return outcome;
    },
  };
}
