// report.json: what the line files counted as they were written, beside what the store knows of the
// run's spend, batches and unconfirmed sync calls.
import type { PlanSummary, ResolvedSpec, RunReport, RunStatus } from '../../common';
import type { RunStore } from '../../store';
import { roundUsd, roundedSplit, type CostBook } from './cost-book';
import { confirmCosts } from '../batch/confirmed-cost';
import { estimateAsAnswered } from '../spend/answered-estimate';
import type { FinalLines } from './final-lines';

export interface ReportedRun {
  runId: string;
  spec: ResolvedSpec;
  plan: PlanSummary;
  startedAtMs: number;
  status: RunStatus;
  error?: string;
  /** Lines lost or written twice: the run failed, whatever status it ended in. */
  problem?: string;
  /** Where the files end up, which is not where they were written when output.dir is a bucket. */
  files: RunReport['files'];
}

async function reportCosts(store: RunStore, { runId, spec, plan }: ReportedRun, book: CostBook) {
  const unconfirmed = await store.syncCalls.unconfirmed(runId);
  const failedAnswers = await store.results.failedAnswersCost(runId);
  const actual = roundUsd(book.paid + failedAnswers);
  const byProvider = roundedSplit(book.byProvider);
  const confirmed = confirmCosts(actual, byProvider, await store.batchUsage.byProvider(runId));
  const asAnswered = estimateAsAnswered(spec, plan, book.answeredBy);
  const estimate = asAnswered ?? plan.estimatedUsd;
  const costUsd: RunReport['costUsd'] = {
    estimated: roundUsd(estimate.likely),
    estimatedRange: { min: roundUsd(estimate.min), max: roundUsd(estimate.max) },
    ...(asAnswered ? { estimatedPreflight: roundUsd(plan.estimatedUsd.likely) } : {}),
    // Everything the provider billed that we know of: answers kept, and answers that failed.
    actual,
    failedAnswers: roundUsd(failedAnswers),
    syncEquivalent: roundUsd(book.syncEquivalent),
    naiveSync: roundUsd(book.naiveSync),
    savings: {
      batch: roundUsd(book.savings.batch),
      dedup: roundUsd(book.savings.dedup),
      cache: roundUsd(book.savings.cache),
      routing: roundUsd(book.savings.routing),
      promptCache: roundUsd(book.savings.promptCache),
    },
    unconfirmed: roundUsd(unconfirmed.estimatedUsd),
    ...confirmed,
    ...(plan.sampleReused ? { sample: roundUsd(plan.sampleReused.costUsd) } : {}),
  };
  return { costUsd, byProvider, unconfirmedCalls: unconfirmed.calls };
}

export async function runReport(
  store: RunStore,
  clock: () => number,
  lines: FinalLines,
  run: ReportedRun,
): Promise<RunReport> {
  const { runId, spec, plan, problem } = run;
  const { book } = lines;
  const { costUsd, byProvider, unconfirmedCalls } = await reportCosts(store, run, book);
  return {
    runId,
    items: lines.totals.items,
    succeeded: lines.results.lines,
    deadLettered: lines.deadLetters.lines,
    rejected: lines.rejected.lines,
    duplicates: lines.totals.duplicates,
    cacheHits: book.cacheHits,
    tokens: book.tokens,
    costUsd,
    byMode: roundedSplit(book.byMode),
    byProvider,
    byModel: roundedSplit(book.byModel),
    ...(unconfirmedCalls ? { unconfirmedCalls } : {}),
    ...(plan.sampleReused ? { sampleAnswers: plan.sampleReused.answers } : {}),
    batches: await store.batches.count(runId),
    strikeFunnel: lines.strikes.funnel,
    deadLetterReasons: lines.reasons.byKind,
    batchTimeline: await store.batches.timeline(runId),
    batchesStopped: await store.batches.stopped(runId),
    status: problem ? 'failed' : run.status,
    ...(problem || run.error ? { error: problem ?? run.error } : {}),
    durationMs: clock() - run.startedAtMs,
    provider: spec.provider,
    model: spec.model,
    outputDir: spec.outputDir,
    files: run.files,
  };
}
