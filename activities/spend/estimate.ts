// The worker side of `llmbatch estimate`: picks and writes a sample of unique items for a sample
// run, prices a scratch plan (corrected by the sample when there is one), and forgets the plan.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  isObjectUrl,
  capsOf,
  isEmbeddingModel,
  preflightProblem,
  priceModelOf,
  priceTable,
  costUsd,
  type EstimateReport,
  type PlanLane,
  type PlanSummary,
  type Range,
  type ResolvedSpec,
} from '../../common';
import type { RunStore } from '../../store';
import { readDataset } from '../inputs/dataset';
import { joinLocation } from '../object-store/location';
import { assertOutputDir, assertPathSegment } from '../plan/output-guard';
import type { ActivityDeps } from '../deps';
import { lanesCost } from './spend-estimate';
import { retokenized } from '../plan/token-count';

export interface PriceEstimateInput {
  runId: string;
  spec: ResolvedSpec;
  plan: PlanSummary;
  sample?: EstimateReport['sample'];
  compare: boolean;
}

/** The input records of the sampled lines, in input order; returns how many were written. */
async function writeSampleRecords(spec: ResolvedSpec, inputPath: string, lines: Set<number>): Promise<number> {
  const out = createWriteStream(inputPath);
  let items = 0;
  for await (const entry of readDataset(spec.inputPath, spec.inputFormat, spec.limits.maxItemBytes)) {
    if (!lines.has(entry.line) || !('record' in entry)) continue;
    items++;
    if (!out.write(JSON.stringify(entry.record) + '\n')) await once(out, 'drain');
    if (items === lines.size) break;
  }
  out.end();
  await once(out, 'finish');
  return items;
}

function sampleRunSpec(spec: ResolvedSpec, inputPath: string, outputDir: string, size: number): ResolvedSpec {
  return {
    ...spec,
    name: `${spec.name}-sample`,
    inputPath,
    inputFormat: 'jsonl',
    outputDir,
    // Sync calls answer a sample in seconds; the answers are kept for the run to reuse.
    mode: 'sync',
    chunkSize: Math.max(1, size),
    budget: undefined,
    downgradeTo: undefined,
    hybrid: undefined,
  };
}

/** The requests the run would send and their tokens, as the plan counted them or as the sample corrected them. */
function requestsToSend({ spec, plan, sample }: PriceEstimateInput) {
  let requests = plan.uniqueRequests - plan.cacheHits;
  let input = plan.estimatedTokens.input;
  let output: Range = { ...plan.estimatedTokens.output };
  if (sample && sample.answered > 0) {
    // The sampled answers are kept: with the cache on, the run reuses them and sends the rest.
    const left = spec.cache.enabled ? Math.max(0, requests - sample.answered) : requests;
    const share = requests > 0 ? left / requests : 0;
    requests = left;
    input = Math.round(input * share * sample.inputCalibration);
    output = {
      min: Math.round(output.min * share),
      likely: Math.round(sample.outputTokensPerItem * left),
      max: Math.round(output.max * share),
    };
  }
  return { requests, input, output };
}

/** The plan's lanes with their tokens scaled from what the plan counted to `input` and `output`. */
function scaledLanes(plan: PlanSummary, input: number, output: Range): PlanLane[] {
  const planned = plan.estimatedTokens;
  const ratio = (now: number, before: number) => (before > 0 ? now / before : 0);
  return (plan.lanes ?? []).map((lane) => ({
    ...lane,
    input: lane.input * ratio(input, planned.input),
    output: {
      min: lane.output.min * ratio(output.min, planned.output.min),
      likely: lane.output.likely * ratio(output.likely, planned.output.likely),
      max: lane.output.max * ratio(output.max, planned.output.max),
    },
  }));
}

/** `--compare`: the same tokens priced for every model of the pricing table, cheapest in batch first. */
function comparedModels(spec: ResolvedSpec, input: number, output: Range): NonNullable<EstimateReport['compare']> {
  const model = priceModelOf(spec);
  // Chat models compare with chat models, embedding models with embedding models: the other
  // kind could not answer this run at all.
  return Object.keys(priceTable(spec.prices))
    .filter((other) => isEmbeddingModel(other) === (spec.embed !== undefined))
    .map((other) => {
      const tokens = retokenized(input, model, other);
      return {
        model: other,
        batchUsd: costUsd(other, 'batch', tokens, output.likely, spec.prices),
        syncUsd: costUsd(other, 'sync', tokens, output.likely, spec.prices),
      };
    })
    .sort((a, b) => a.batchUsd - b.batchUsd);
}

/** The spec's caps, and whether a run's pre-flight check would refuse `likelyUsd`. */
async function budgetCheck(
  store: RunStore,
  runId: string,
  budget: NonNullable<ResolvedSpec['budget']>,
  likelyUsd: number,
): Promise<NonNullable<EstimateReport['budget']>> {
  const refused = preflightProblem(likelyUsd, await store.spend.totals(runId), capsOf(budget));
  return {
    ...(budget.maxUsd !== undefined ? { maxUsd: budget.maxUsd } : {}),
    ...(budget.dailyUsd !== undefined ? { dailyUsd: budget.dailyUsd } : {}),
    ...(budget.monthlyUsd !== undefined ? { monthlyUsd: budget.monthlyUsd } : {}),
    ...(refused ? { refused } : {}),
  };
}

export function createEstimateActivities({ store }: ActivityDeps) {
  return {
    /** Writes `size` random unique items (their input records) as a JSONL sample and the spec that runs it. */
    async writeSample({
      runId,
      spec,
      size,
    }: {
      runId: string;
      spec: ResolvedSpec;
      size: number;
    }): Promise<{ spec: ResolvedSpec; countedInputTokens: number; items: number }> {
      const id = assertPathSegment(runId, 'estimate id');
      const dir = joinLocation(assertOutputDir(spec.outputDir), 'samples', id);
      const picked = await store.items.randomRequests(runId, size);
      const lines = new Set(picked.map((p) => p.firstLine));
      // The sample's input is read by its plan from a local file; with output.dir in a bucket, that
      // file stays on this machine (its answers still go to the bucket).
      const inputDir = isObjectUrl(dir) ? join(tmpdir(), 'llmbatch-samples', id) : dir;
      await mkdir(inputDir, { recursive: true });
      const inputPath = join(inputDir, 'sample-input.jsonl');
      const items = await writeSampleRecords(spec, inputPath, lines);
      const countedInputTokens = picked.reduce((n, p) => n + p.inputTokens, 0);
      return { spec: sampleRunSpec(spec, inputPath, dir, size), countedInputTokens, items };
    },

    async priceEstimate(estimate: PriceEstimateInput): Promise<EstimateReport> {
      const { runId, spec, plan, sample, compare } = estimate;
      const { requests, input, output } = requestsToSend(estimate);
      // Each lane (model, and a hybrid run's sync lane) priced at its own rates, scaled as the sample said.
      const lanes = scaledLanes(plan, input, output);
      const costs = { batch: lanesCost(spec, lanes, 'batch'), sync: lanesCost(spec, lanes, 'sync') };
      const thisRun = spec.mode === 'sync' ? costs.sync : spec.mode === 'batch' ? costs.batch : lanesCost(spec, lanes);
      const report: EstimateReport = {
        items: plan.lines,
        rejected: plan.rejected,
        duplicates: plan.duplicates,
        cacheHits: plan.cacheHits,
        requests,
        chunks: plan.chunks,
        provider: spec.provider,
        model: spec.model,
        mode: spec.mode,
        maxTokens: spec.maxTokens,
        tokens: { input, output },
        costUsd: costs,
        sampled: sample?.answered ?? 0,
        ...(sample ? { sample } : {}),
      };
      if (compare) report.compare = comparedModels(spec, input, output);
      if (spec.budget) report.budget = await budgetCheck(store, runId, spec.budget, thisRun.likely);
      return report;
    },

    async discardPlan({ runId }: { runId: string }): Promise<void> {
      await store.items.discardRun(runId);
    },
  };
}
