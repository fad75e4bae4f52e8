// Plan: stream the dataset, render each line into a request, drop in-run duplicates, and cut
// chunks that respect the provider's batch limits. Only counts go back to the workflow.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  PROVIDER_BATCH_LIMITS,
  SAMPLE_RUN_SUFFIX,
  wireOfModel,
  TemplateFieldMissing,
  cachesSystemPrompt,
  isObjectUrl,
  likelyOutputTokens,
  matchesField,
  routeModel,
  type Range,
  type NeutralRequest,
  type PlanSummary,
  type ResolvedSpec,
} from '../common';
import type { ItemRow, RequestRow, ResultRow } from '../store';
import { readDatasetPages, type DatasetEntry } from './dataset';
import { assertOutputDir } from './output-guard';
import { ensureOutputUrlUsable } from './object-store/probe';
import { checkPostgresSink } from './outputs/postgres-sink';
import type { ActivityDeps } from './deps';
import { EmbedFieldProblem, renderRequest } from './render-request';
import { dedupKeyOf } from './request-key';
import { SeenFilter } from './seen-filter';
import { lanesCost } from './spend-estimate';
import { promptCacheShares } from './prompt-cache-estimate';
import { countInputTokens } from './token-count';
import { ChunkPlanner, PROVISIONAL_SYNC_BASE, type ChunkLane, type Lane } from './chunk-planner';

/** Requests answered from an earlier run's results live in no chunk. */
export const CACHED_CHUNK = -1;

const FLUSH_EVERY = 1000;

export interface PlanInput {
  runId: string;
  spec: ResolvedSpec;
  /** An estimate's scratch plan: the output folder is neither checked nor created. */
  estimateOnly?: boolean;
}

type IdKind = 'string' | 'number';

interface ItemId {
  id: string;
  /** The JSON type the id had; undefined when the id is the line number. */
  kind?: IdKind;
}

function itemIdOf(record: Record<string, unknown>, idField: string | undefined, line: number): ItemId | Error {
  if (!idField) return { id: String(line) };
  // Own properties only: an id field named "constructor" must not find Object.prototype's.
  const value = Object.hasOwn(record, idField) ? record[idField] : undefined;
  if (value === undefined || value === null || value === '') return new Error(`missing id field "${idField}"`);
  if (typeof value === 'string') return { id: value, kind: 'string' };
  if (typeof value === 'number') return { id: String(value), kind: 'number' };
  return new Error(`id field "${idField}" must be a string or a number`);
}

/** The text a JSON number could print as: only such a string id can meet a numeric id. */
const couldBeNumber = (id: string) => id.trim() !== '' && String(Number(id)) === id;

/**
 * Remembers whether the first line of an id held it as a string or as a number, so that 7 and
 * "7" (the same id once written to the output files as text) are told apart in the rejection.
 * The store knows an id's first line but not its type, and keeping every id in memory would not
 * scale to 10M lines, so this keeps only what a mixed file needs: the type the numeric-looking
 * ids had until the first one of the other type (the line where the file became mixed), and after
 * that the ids first seen with the other type (a short list in any file that is not half and half).
 */
class IdKinds {
  private firstKind?: IdKind;
  private mixedFrom = Infinity;
  private readonly others = new Set<string>();

  /** Called for each accepted id, in line order. */
  accept(id: string, kind: IdKind, line: number) {
    if (!couldBeNumber(id)) return;
    if (this.firstKind === undefined) this.firstKind = kind;
    if (kind === this.firstKind) return;
    this.mixedFrom = Math.min(this.mixedFrom, line);
    this.others.add(id);
  }

  /** The type of the id accepted on `line`. */
  kindOf(id: string, line: number): IdKind {
    if (!couldBeNumber(id) || this.firstKind === undefined) return 'string';
    if (line < this.mixedFrom || !this.others.has(id)) return this.firstKind;
    return this.firstKind === 'string' ? 'number' : 'string';
  }
}

function showId(id: string, kind: IdKind): string {
  return kind === 'number' ? `${id} (a number)` : `${JSON.stringify(id)} (a string)`;
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

// eslint-disable-next-line max-lines-per-function -- issue 27: written before the rule, to be split into named steps
export function createPlanActivities({ store }: ActivityDeps) {
  return {
    // eslint-disable-next-line max-lines-per-function -- issue 27: written before the rule, to be split into named steps
    async planRun({ runId, spec, estimateOnly }: PlanInput): Promise<PlanSummary> {
      if (!estimateOnly) {
        await ensureOutputDirUsable(assertOutputDir(spec.outputDir));
        await checkPostgresSink(spec);
      }
      await store.resetPlan(runId);
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
      /** Tokens to send per lane (model and mode): each is priced at its own model's rates. */
      const laneTokens = new Map<string, { lane: ChunkLane; input: number; output: Range; requests: number }>();
      const schemaBytes = spec.outputSchema ? JSON.stringify(spec.outputSchema).length : 0;
      const summary: PlanSummary = {
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
      const idKinds = new IdKinds();
      // What earlier pages stored, roughly: only what they may have seen is looked up in the store.
      const seenIds = new SeenFilter();
      const seenKeys = new SeenFilter();
      // An embedding has no output tokens: its estimate is input only.
      const output = spec.embed
        ? { min: 0, likely: 0, max: 0 }
        : { min: 1, likely: likelyOutputTokens(spec.outputSchema, spec.maxTokens), max: spec.maxTokens };
      const cacheSystem = cachesSystemPrompt(spec);

      /** A line with the work that needs no store done: its id checked, its request rendered and keyed. */
      interface Prepared {
        entry: DatasetEntry;
        itemId?: string;
        idKind?: IdKind;
        error?: string;
        request?: NeutralRequest;
        dedupKey?: string;
        lane?: Lane;
      }
      const laneOf = (record: Record<string, unknown>): Lane =>
        spec.hybrid
          ? matchesField(record, spec.hybrid.syncWhen)
            ? 'sync'
            : 'batch'
          : spec.mode === 'sync'
            ? 'sync'
            : 'batch';

      /** The CPU half of a page: it runs while the previous page's rows are being written. */
      const prepare = (entries: DatasetEntry[]): Prepared[] =>
        entries.map((entry) => {
          if ('error' in entry) {
            // A rejected CSV row keeps its id where its id column could be read.
            const known = entry.fields && spec.idField ? itemIdOf(entry.fields, spec.idField, entry.line) : undefined;
            return { entry, error: entry.error, ...(known && !(known instanceof Error) ? { itemId: known.id } : {}) };
          }
          const itemId = itemIdOf(entry.record, spec.idField, entry.line);
          // A sharded or Parquet input's reason starts with the file and row, as the reader's own do.
          const at = entry.at ? `${entry.at}: ` : '';
          if (itemId instanceof Error) return { entry, error: at + itemId.message };
          const prepared: Prepared = { entry, itemId: itemId.id, idKind: itemId.kind };
          try {
            const request = renderRequest(spec, entry.record, cacheSystem);
            // Routed before it is keyed: the model is part of the request, and so of its dedup key.
            if (spec.routes)
              request.model = routeModel(spec.routes, entry.record, () => countInputTokens(request), spec.model);
            prepared.request = request;
            prepared.lane = laneOf(entry.record);
            prepared.dedupKey = dedupKeyOf(spec.provider, prepared.request, spec.outputSchema);
          } catch (e) {
            if (!(e instanceof TemplateFieldMissing || e instanceof EmbedFieldProblem)) throw e;
            prepared.error = at + e.message;
          }
          return prepared;
        });

      /**
       * The store half: item rows and first-seen requests, decided against what earlier pages
       * stored (so it runs after their writes). Returns this page's writes, still under way.
       */
      // eslint-disable-next-line max-lines-per-function -- issue 27: written before the rule, to be split into named steps
      const decide = async (candidates: Prepared[]): Promise<{ written: Promise<void> }> => {
        const items: ItemRow[] = [];
        const requests: RequestRow[] = [];
        // Duplicate ids: the first accepted line keeps the id (as the store counts it, so a page
        // boundary changes nothing), later lines are rejected and say where it was.
        const firstLineOfId = spec.idField
          ? await store.linesOfItemIds(
              runId,
              candidates.flatMap((c) => (c.itemId !== undefined && seenIds.mayHave(c.itemId) ? [c.itemId] : [])),
            )
          : new Map<string, number>();
        /** Per request first seen in this page: the item rows that ask it (the first, then its duplicates). */
        const pageKeys = new Map<string, ItemRow[]>();
        /** The lane of each request first seen in this page (its first line's). */
        const pageLanes = new Map<string, Lane>();
        for (const { entry, itemId, idKind, error: lineError, request, dedupKey, lane } of candidates) {
          let error = lineError;
          // A repeated id is the line's first fault, whatever else is wrong with it.
          if (itemId !== undefined && idKind !== undefined) {
            const first = firstLineOfId.get(itemId);
            if (first !== undefined) {
              const firstKind = idKinds.kindOf(itemId, first);
              error =
                firstKind === idKind
                  ? `duplicate id "${itemId}" (first on line ${first})`
                  : `id ${showId(itemId, idKind)} repeats id ${showId(itemId, firstKind)} on line ${first}; ids are compared as text`;
            }
          }
          if (error || !request || !dedupKey) {
            summary.rejected++;
            items.push({ line: entry.line, itemId, error });
            continue;
          }
          if (itemId !== undefined && idKind !== undefined) {
            firstLineOfId.set(itemId, entry.line);
            seenIds.add(itemId);
            idKinds.accept(itemId, idKind, entry.line);
          }
          summary.accepted++;
          const row: ItemRow = { line: entry.line, itemId, dedupKey };
          items.push(row);
          const asking = pageKeys.get(dedupKey);
          if (asking) {
            // A duplicate says which line it copies, so finalize needs no join to find out.
            summary.duplicates++;
            row.firstLine = asking[0].line;
            row.firstItemId = asking[0].itemId;
            asking.push(row);
          } else {
            pageKeys.set(dedupKey, [row]);
            pageLanes.set(dedupKey, lane ?? 'batch');
            requests.push({ dedupKey, chunk: 0, firstLine: entry.line, itemId, body: request });
          }
        }
        // First occurrences in this page may repeat a request stored by an earlier page.
        const known = await store.firstOccurrences(
          runId,
          requests.flatMap((r) => (seenKeys.mayHave(r.dedupKey) ? [r.dedupKey] : [])),
        );
        const fresh: RequestRow[] = [];
        for (const request of requests) {
          const first = known.get(request.dedupKey);
          if (!first) {
            fresh.push(request);
            continue;
          }
          summary.duplicates++;
          for (const row of pageKeys.get(request.dedupKey) ?? []) {
            row.firstLine = first.line;
            row.firstItemId = first.itemId;
          }
        }
        const cached = spec.cache.enabled
          ? await store.cachedAnswers(
              runId,
              fresh.map((r) => ({ dedupKey: r.dedupKey, model: r.body.model })),
              spec.cache.maxAgeMs,
            )
          : new Map<string, ResultRow>();
        const copies: ResultRow[] = [];
        for (const request of fresh) {
          seenKeys.add(request.dedupKey);
          summary.uniqueRequests++;
          request.inputTokens = countInputTokens(request.body);
          const answer = cached.get(request.dedupKey);
          if (answer) {
            // Answered by an earlier run: a copy of its result, billed nothing now.
            request.chunk = CACHED_CHUNK;
            copies.push({ ...answer, costUsd: 0, syncCostUsd: 0, cached: true });
            summary.cacheHits++;
            if (answer.fromRunId?.endsWith(SAMPLE_RUN_SUFFIX)) {
              // Paid by `estimate --sample` for this run: the report says so.
              const reused = (summary.sampleReused ??= { answers: 0, costUsd: 0 });
              reused.answers++;
              reused.costUsd += answer.costUsd;
            }
            continue;
          }
          const lane: ChunkLane = { model: request.body.model, mode: pageLanes.get(request.dedupKey) ?? 'batch' };
          request.bodyJson = JSON.stringify(request.body);
          request.chunk = planner.place(lane, request.bodyJson.length + schemaBytes + 200, request.inputTokens);
          const laneKey = `${lane.mode}\n${lane.model}`;
          let perLane = laneTokens.get(laneKey);
          if (!perLane)
            laneTokens.set(laneKey, (perLane = { lane, input: 0, output: { min: 0, likely: 0, max: 0 }, requests: 0 }));
          perLane.requests++;
          for (const tokens of [summary.estimatedTokens, perLane]) {
            tokens.input += request.inputTokens;
            tokens.output.min += output.min;
            tokens.output.likely += output.likely;
            tokens.output.max += output.max;
          }
        }
        heartbeat({ lines: summary.lines });
        // The store takes these in order: the next page's lookups, sent after, see them.
        const writes = [
          store.insertRequests(runId, fresh),
          store.insertResults(runId, copies, CACHED_CHUNK),
          store.insertItems(runId, items),
        ];
        // Wrapped: an async function would wait for a promise it returns.
        return { written: Promise.all(writes).then(() => undefined) };
      };

      // Two pages in hand: while the store writes one, the next is parsed, rendered and keyed.
      let writing: Promise<void> = Promise.resolve();
      const processPage = async (entries: DatasetEntry[]) => {
        const prepared = prepare(entries);
        await writing;
        writing = (await decide(prepared)).written;
        // A failed write must not go unobserved until the next page comes.
        writing.catch(() => undefined);
      };

      let page: DatasetEntry[] = [];
      for await (const read of readDatasetPages(spec.inputPath, spec.inputFormat, spec.limits.maxItemBytes)) {
        summary.lines += read.length;
        page = page.length ? page.concat(read) : read;
        if (page.length >= FLUSH_EVERY) {
          await processPage(page);
          page = [];
        }
      }
      await processPage(page);
      await writing;
      summary.chunks = planner.chunks;
      if (planner.separateSyncChunks > 0) {
        await store.renumberChunks(runId, PROVISIONAL_SYNC_BASE, planner.finalId(PROVISIONAL_SYNC_BASE));
        summary.syncChunks = planner.separateSyncChunks;
      }
      await store.saveChunkLanes(
        runId,
        [...planner.lanes].map(([chunk, lane]) => ({ chunk: planner.finalId(chunk), ...lane })),
      );
      await store.refreshStatistics();
      const chunksOf = (lane: ChunkLane) =>
        [...planner.lanes.values()].filter((l) => l.model === lane.model && l.mode === lane.mode).length;
      summary.lanes = [...laneTokens.values()].map(({ lane, input, output, requests }) => {
        const promptCache = promptCacheShares(spec, { model: lane.model, input, requests, chunks: chunksOf(lane) });
        return { ...lane, input, output, ...(promptCache ? { promptCache } : {}) };
      });
      summary.estimatedUsd = lanesCost(spec, summary.lanes);
      summary.estimatedSyncUsd = lanesCost(spec, summary.lanes, 'sync');
      return summary;
    },
  };
}
