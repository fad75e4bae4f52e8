// The store half of planning a page: which lines are accepted, which requests are new to the run,
// which of those an earlier run already answered, and the chunk each of the rest goes to. It is
// decided against what earlier pages stored, so it runs after their writes.
import { heartbeat } from '@temporalio/activity';
import { SAMPLE_RUN_SUFFIX, type NeutralRequest, type PlanSummary, type Range, type ResolvedSpec } from '../../common';
import type { ItemRow, RequestRow, ResultRow, RunStore } from '../../store';
import type { ChunkLane, ChunkPlanner, Lane } from './chunk-planner';
import { repeatedIdError, type IdKinds } from './item-ids';
import type { PreparedLine } from './plan-lines';
import type { SeenFilter } from './seen-filter';
import { countInputTokens } from './token-count';

/** Requests answered from an earlier run's results live in no chunk. */
export const CACHED_CHUNK = -1;

/** Tokens to send in one lane (model and mode): each lane is priced at its own model's rates. */
export interface LaneTokens {
  lane: ChunkLane;
  input: number;
  output: Range;
  requests: number;
}

/** What planning a run carries from one page to the next. */
export interface PlanInProgress {
  store: RunStore;
  runId: string;
  spec: ResolvedSpec;
  summary: PlanSummary;
  planner: ChunkPlanner;
  /** By `${mode}\n${model}`. */
  laneTokens: Map<string, LaneTokens>;
  /** The output schema as JSON, repeated on each line of a batch file: counted against the byte cap. */
  schemaBytes: number;
  outputTokensPerRequest: Range;
  cacheSystem: boolean;
  idKinds: IdKinds;
  // What earlier pages stored, roughly: only what they may have seen is looked up in the store.
  seenIds: SeenFilter;
  seenKeys: SeenFilter;
}

/** A page's lines sorted: every line's item row, and the requests first seen in the page. */
interface SortedPage {
  items: ItemRow[];
  requests: RequestRow[];
  /** Per request first seen in this page: the item rows that ask it (the first, then its duplicates). */
  asking: Map<string, ItemRow[]>;
  /** The lane of each request first seen in this page (its first line's). */
  lanes: Map<string, Lane>;
}

function lineError(line: PreparedLine, firstLineOfId: Map<string, number>, idKinds: IdKinds): string | undefined {
  const { itemId, idKind } = line;
  if (itemId === undefined || idKind === undefined) return line.error;
  const first = firstLineOfId.get(itemId);
  // A repeated id is the line's first fault, whatever else is wrong with it.
  return first === undefined ? line.error : repeatedIdError(itemId, idKind, first, idKinds);
}

function acceptLine(
  plan: PlanInProgress,
  page: SortedPage,
  { entry, itemId, idKind, lane }: PreparedLine,
  request: NeutralRequest,
  dedupKey: string,
  firstLineOfId: Map<string, number>,
): void {
  if (itemId !== undefined && idKind !== undefined) {
    firstLineOfId.set(itemId, entry.line);
    plan.seenIds.add(itemId);
    plan.idKinds.accept(itemId, idKind, entry.line);
  }
  plan.summary.accepted++;
  const row: ItemRow = { line: entry.line, itemId, dedupKey };
  page.items.push(row);
  const asking = page.asking.get(dedupKey);
  if (asking) {
    // A duplicate says which line it copies, so finalize needs no join to find out.
    plan.summary.duplicates++;
    row.firstLine = asking[0].line;
    row.firstItemId = asking[0].itemId;
    asking.push(row);
  } else {
    page.asking.set(dedupKey, [row]);
    page.lanes.set(dedupKey, lane ?? 'batch');
    page.requests.push({ dedupKey, chunk: 0, firstLine: entry.line, itemId, body: request });
  }
}

/** `firstLineOfId` holds the ids earlier pages stored; it takes this page's accepted ids as they come. */
function sortLines(plan: PlanInProgress, lines: PreparedLine[], firstLineOfId: Map<string, number>): SortedPage {
  const page: SortedPage = { items: [], requests: [], asking: new Map(), lanes: new Map() };
  for (const line of lines) {
    const error = lineError(line, firstLineOfId, plan.idKinds);
    const { entry, itemId, request, dedupKey } = line;
    if (error || !request || !dedupKey) {
      plan.summary.rejected++;
      page.items.push({ line: entry.line, itemId, error });
      continue;
    }
    acceptLine(plan, page, line, request, dedupKey, firstLineOfId);
  }
  return page;
}

/** The page's first occurrences less those that repeat a request stored by an earlier page. */
async function requestsNewToRun(plan: PlanInProgress, page: SortedPage): Promise<RequestRow[]> {
  const known = await plan.store.items.firstOccurrences(
    plan.runId,
    page.requests.flatMap((r) => (plan.seenKeys.mayHave(r.dedupKey) ? [r.dedupKey] : [])),
  );
  const fresh: RequestRow[] = [];
  for (const request of page.requests) {
    const first = known.get(request.dedupKey);
    if (!first) {
      fresh.push(request);
      continue;
    }
    plan.summary.duplicates++;
    for (const row of page.asking.get(request.dedupKey) ?? []) {
      row.firstLine = first.line;
      row.firstItemId = first.itemId;
    }
  }
  return fresh;
}

/** Answered by an earlier run: a copy of its result, billed nothing now. */
function reuseAnswer(summary: PlanSummary, answer: ResultRow): ResultRow {
  const copy = { ...answer, costUsd: 0, syncCostUsd: 0, cached: true };
  summary.cacheHits++;
  if (answer.fromRunId?.endsWith(SAMPLE_RUN_SUFFIX)) {
    // Paid by `estimate --sample` for this run: the report says so.
    const reused = (summary.sampleReused ??= { answers: 0, costUsd: 0 });
    reused.answers++;
    reused.costUsd += answer.costUsd;
  }
  return copy;
}

function countLaneTokens(plan: PlanInProgress, lane: ChunkLane, inputTokens: number): void {
  const laneKey = `${lane.mode}\n${lane.model}`;
  let perLane = plan.laneTokens.get(laneKey);
  if (!perLane)
    plan.laneTokens.set(laneKey, (perLane = { lane, input: 0, output: { min: 0, likely: 0, max: 0 }, requests: 0 }));
  perLane.requests++;
  const output = plan.outputTokensPerRequest;
  for (const tokens of [plan.summary.estimatedTokens, perLane]) {
    tokens.input += inputTokens;
    tokens.output.min += output.min;
    tokens.output.likely += output.likely;
    tokens.output.max += output.max;
  }
}

function placeInChunk(plan: PlanInProgress, request: RequestRow, mode: Lane, inputTokens: number): void {
  const lane: ChunkLane = { model: request.body.model, mode };
  request.bodyJson = JSON.stringify(request.body);
  request.chunk = plan.planner.place(lane, request.bodyJson.length + plan.schemaBytes + 200, inputTokens);
  countLaneTokens(plan, lane, inputTokens);
}

/** Returns the copies of earlier runs' answers, for the results table. */
function placeFreshRequests(
  plan: PlanInProgress,
  fresh: RequestRow[],
  cached: Map<string, ResultRow>,
  lanes: Map<string, Lane>,
): ResultRow[] {
  const copies: ResultRow[] = [];
  for (const request of fresh) {
    plan.seenKeys.add(request.dedupKey);
    plan.summary.uniqueRequests++;
    request.inputTokens = countInputTokens(request.body);
    const answer = cached.get(request.dedupKey);
    if (answer) {
      request.chunk = CACHED_CHUNK;
      copies.push(reuseAnswer(plan.summary, answer));
      continue;
    }
    placeInChunk(plan, request, lanes.get(request.dedupKey) ?? 'batch', request.inputTokens);
  }
  return copies;
}

function writePage(plan: PlanInProgress, fresh: RequestRow[], copies: ResultRow[], items: ItemRow[]): Promise<void> {
  const { store, runId } = plan;
  // The store takes these in order: the next page's lookups, sent after, see them.
  const writes = [
    store.items.insertRequests(runId, fresh),
    store.results.insert(runId, copies, CACHED_CHUNK),
    store.items.insert(runId, items),
  ];
  return Promise.all(writes).then(() => undefined);
}

/** Returns this page's writes, still under way, so the next page can be prepared meanwhile. */
export async function decidePage(plan: PlanInProgress, lines: PreparedLine[]): Promise<{ written: Promise<void> }> {
  const { store, runId, spec } = plan;
  // Duplicate ids: the first accepted line keeps the id (as the store counts it, so a page
  // boundary changes nothing), later lines are rejected and say where it was.
  const firstLineOfId = spec.idField
    ? await store.items.linesOfItemIds(
        runId,
        lines.flatMap((l) => (l.itemId !== undefined && plan.seenIds.mayHave(l.itemId) ? [l.itemId] : [])),
      )
    : new Map<string, number>();
  const page = sortLines(plan, lines, firstLineOfId);
  const fresh = await requestsNewToRun(plan, page);
  const cached = spec.cache.enabled
    ? await store.cache.answers(
        runId,
        fresh.map((r) => ({ dedupKey: r.dedupKey, model: r.body.model })),
        spec.cache.maxAgeMs,
      )
    : new Map<string, ResultRow>();
  const copies = placeFreshRequests(plan, fresh, cached, page.lanes);
  heartbeat({ lines: plan.summary.lines });
  // Wrapped: an async function would wait for a promise it returns.
  return { written: writePage(plan, fresh, copies, page.items) };
}
