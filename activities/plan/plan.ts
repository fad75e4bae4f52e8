// Plan: stream the dataset, render each line into a request, drop in-run duplicates, and cut
// chunks that respect the provider's batch limits. Only counts go back to the workflow.
// Each page of lines is prepared without the store (plan-lines.ts), then decided against it
// (plan-page.ts).
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import {
  PROVIDER_BATCH_LIMITS,
  wireOfModel,
  cachesSystemPrompt,
  isObjectUrl,
  likelyOutputTokens,
  type PlanSummary,
  type ResolvedSpec,
} from '../../common';
import type { RunStore } from '../../store';
import { readDatasetPages, type DatasetEntry } from '../inputs/dataset';
import { assertOutputDir } from './output-guard';
import { ensureOutputUrlUsable } from '../object-store/probe';
import { checkPostgresSink } from '../outputs/postgres-sink';
import type { ActivityDeps } from '../deps';
import { IdKinds } from './item-ids';
import { prepareLines } from './plan-lines';
import { decidePage, type PlanInProgress } from './plan-page';
import { SeenFilter } from './seen-filter';
import { lanesCost } from '../spend/spend-estimate';
import { promptCacheShares } from '../spend/prompt-cache-estimate';
import { ChunkPlanner, PROVISIONAL_SYNC_BASE, type ChunkLane } from './chunk-planner';

export { CACHED_CHUNK } from './plan-page';

const FLUSH_EVERY = 1000;

export interface PlanInput {
  runId: string;
  spec: ResolvedSpec;
  /** An estimate's scratch plan: the output folder is neither checked nor created. */
  estimateOnly?: boolean;
}

/** The nearest path at or above `dir` that exists and is not a folder, if any. */
async function fileInTheWay(dir: string): Promise<string | undefined> {
  for (let path = dir; ; path = dirname(path)) {
    const info = await stat(path).catch(() => undefined);
    if (info) return info.isDirectory() ? undefined : path;
    if (dirname(path) === path) return undefined;
  }
}

/**
 * The output files are written by finalize, after every batch has been paid for: a folder that
 * cannot take them must stop the run here, before anything is submitted, and not by retrying.
 * The spec loader checks the same on the client; this is the worker's own view of the disk.
 */
async function ensureOutputDirUsable(dir: string): Promise<void> {
  if (isObjectUrl(dir)) return ensureOutputUrlUsable(dir);
  const probe = join(dir, `.llmbatch-probe-${randomUUID()}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    const file = await fileInTheWay(dir);
    const reason = file ? `${file} is a file, not a folder` : (error as Error).message;
    throw ApplicationFailure.nonRetryable(
      `output.dir ${dir} cannot be used on worker ${hostname()}: ${reason}`,
      'OutputDirUnusable',
    );
  }
}

function emptySummary(): PlanSummary {
  return {
    lines: 0,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    uniqueRequests: 0,
    cacheHits: 0,
    chunks: 0,
    estimatedTokens: { input: 0, output: { min: 0, likely: 0, max: 0 } },
    estimatedUsd: { min: 0, likely: 0, max: 0 },
    estimatedSyncUsd: { min: 0, likely: 0, max: 0 },
  };
}

function startPlan(store: RunStore, runId: string, spec: ResolvedSpec): PlanInProgress {
  // By the wire the model speaks: a Claude model is cut to Anthropic's limits on the simulator too
  // (routed models speak the spec's model's wire: the spec loader sees to it).
  const limits = PROVIDER_BATCH_LIMITS[wireOfModel(spec.model)];
  // Headroom under the byte cap for the line envelope and the schema repeated on each line.
  const planner = new ChunkPlanner(
    {
      maxRequests: Math.min(spec.chunkSize, limits.maxRequests),
      maxBytes: limits.maxBytes * 0.95,
      maxTokens: spec.limits.enqueuedTokens,
    },
    spec.mode === 'hybrid',
  );
  return {
    store,
    runId,
    spec,
    planner,
    laneTokens: new Map(),
    schemaBytes: spec.outputSchema ? JSON.stringify(spec.outputSchema).length : 0,
    summary: emptySummary(),
    idKinds: new IdKinds(),
    seenIds: new SeenFilter(),
    seenKeys: new SeenFilter(),
    // An embedding has no output tokens: its estimate is input only.
    outputTokensPerRequest: spec.embed
      ? { min: 0, likely: 0, max: 0 }
      : { min: 1, likely: likelyOutputTokens(spec.outputSchema, spec.maxTokens), max: spec.maxTokens },
    cacheSystem: cachesSystemPrompt(spec),
  };
}

/** Two pages in hand: while the store writes one, the next is parsed, rendered and keyed. */
async function planPages(plan: PlanInProgress): Promise<void> {
  const { spec, summary } = plan;
  let writing: Promise<void> = Promise.resolve();
  const planPage = async (entries: DatasetEntry[]) => {
    const prepared = prepareLines(spec, entries, plan.cacheSystem);
    await writing;
    writing = (await decidePage(plan, prepared)).written;
    // A failed write must not go unobserved until the next page comes.
    writing.catch(() => undefined);
  };

  let page: DatasetEntry[] = [];
  for await (const read of readDatasetPages(spec.inputPath, spec.inputFormat, spec.limits.maxItemBytes)) {
    summary.lines += read.length;
    page = page.length ? page.concat(read) : read;
    if (page.length >= FLUSH_EVERY) {
      await planPage(page);
      page = [];
    }
  }
  await planPage(page);
  await writing;
}

/** Chunks are stored under their final numbers: a hybrid run's sync chunks move after the batch chunks. */
async function numberChunks({ store, runId, planner, summary }: PlanInProgress): Promise<void> {
  summary.chunks = planner.chunks;
  if (planner.separateSyncChunks > 0) {
    await store.items.renumberChunks(runId, PROVISIONAL_SYNC_BASE, planner.finalId(PROVISIONAL_SYNC_BASE));
    summary.syncChunks = planner.separateSyncChunks;
  }
  await store.items.saveChunkLanes(
    runId,
    [...planner.lanes].map(([chunk, lane]) => ({ chunk: planner.finalId(chunk), ...lane })),
  );
}

function summaryWithCosts({ spec, planner, laneTokens, summary }: PlanInProgress): PlanSummary {
  const chunksOf = (lane: ChunkLane) =>
    [...planner.lanes.values()].filter((l) => l.model === lane.model && l.mode === lane.mode).length;
  summary.lanes = [...laneTokens.values()].map(({ lane, input, output, requests }) => {
    const promptCache = promptCacheShares(spec, { model: lane.model, input, requests, chunks: chunksOf(lane) });
    return { ...lane, input, output, ...(promptCache ? { promptCache } : {}) };
  });
  summary.estimatedUsd = lanesCost(spec, summary.lanes);
  summary.estimatedSyncUsd = lanesCost(spec, summary.lanes, 'sync');
  return summary;
}

export function createPlanActivities({ store }: ActivityDeps) {
  return {
    async planRun({ runId, spec, estimateOnly }: PlanInput): Promise<PlanSummary> {
      if (!estimateOnly) {
        await ensureOutputDirUsable(assertOutputDir(spec.outputDir));
        await checkPostgresSink(spec);
      }
      await store.items.resetPlan(runId);
      const plan = startPlan(store, runId, spec);
      await planPages(plan);
      await numberChunks(plan);
      await store.refreshStatistics();
      return summaryWithCosts(plan);
    },
  };
}
