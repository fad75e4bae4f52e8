// Everything a run persists outside Temporal: planned items, unique requests, provider batches,
// results and failures. Writes are keyed upserts, so a retried activity changes nothing.
import type { Sql } from './sql';
import { migrate } from './migrations';
import { BatchSlots } from './batch-slots';
import { BatchUsageBook } from './batch-usage';
import { RateLimits } from './rate-limits';
import { SpendLedger } from './spend-ledger';
import type { BatchTimelineEntry, NeutralRequest } from '../common';

export interface ItemRow {
  line: number;
  itemId?: string;
  dedupKey?: string;
  error?: string;
  /** A duplicate line: the line (and its id) whose request it repeats. */
  firstLine?: number;
  firstItemId?: string;
}

export interface RequestRow {
  dedupKey: string;
  chunk: number;
  firstLine: number;
  itemId?: string;
  body: NeutralRequest;
  /** The body as JSON, when the caller made it already (plan sizes chunks by it): not made again. */
  bodyJson?: string;
  /** Input tokens as plan counted them (the tokenizer's). */
  inputTokens?: number;
}

export interface ResultRow {
  dedupKey: string;
  output: string;
  parsed?: unknown;
  /** Read back from the store: the output is JSON (an answer that had `parsed` when written). */
  json?: boolean;
  provider: string;
  model: string;
  mode: 'batch' | 'sync';
  strike: number;
  inputTokens: number;
  outputTokens: number;
  /** Prompt-cache tokens (Anthropic), billed apart from inputTokens; absent = 0. */
  cacheWriteTokens?: number;
  cacheReadTokens?: number;
  costUsd: number;
  syncCostUsd: number;
  /** Answered from an earlier run's result (cost 0). */
  cached?: boolean;
  /** Read by cachedAnswers: the run that paid for the answer. */
  fromRunId?: string;
}

export interface FailureRow {
  dedupKey: string;
  strike: number;
  kind: string;
  retryable: boolean;
  error: string;
  /** What the provider billed for this failed answer, when it sent usage (0 otherwise). */
  costUsd?: number;
}

/** In saveBatch: the record being written starts another submission of its (chunk, strike). */
const NEW_ATTEMPT = 'excluded.attempt is not null and excluded.attempt <> coalesce(batches.attempt, 1)';

/** The tables whose planner statistics a run refreshes as it fills them. */
type StoreTable = 'items' | 'requests' | 'results' | 'failures';

export interface BatchRecord {
  createdAtMs?: number;
  /** The model the batch was submitted with. */
  model?: string;
  providerBatchId?: string;
  status?: string;
  /** Which submission of the (chunk, strike) this is: a batch that failed as a whole is resubmitted. */
  attempt?: number;
  /** A create may have reached the provider without an answer coming back. */
  createUncertain?: boolean;
  /** We cancelled it: unfinished at poll.deadline, or not started by poll.startDeadline. */
  stopReason?: 'deadline' | 'stalled';
}

/** One line of the output, joined across tables, for finalize. */
export interface FinalItem {
  line: number;
  itemId: string | null;
  dedupKey: string | null;
  error: string | null;
  firstLine: number | null;
  firstItemId: string | null;
  result: ResultRow | null;
}

/** The strike number of failures recorded for a whole chunk or run (after strike 3). */
export const FINAL_STRIKE = 9;

/**
 * True for a request (`q`) that still waits: no answer yet and no permanent failure. Answers and
 * failures carry their request's chunk, so with the chunk fixed (`chunk`: a parameter, or q.chunk
 * with q's chunk fixed) the planner reads only that chunk's rows. Without the chunk it probed the
 * run-wide primary keys once per request: random pages of indexes larger than the server's cache,
 * most of a 1M-item run's statement time.
 */
const stillPending = (chunk = 'q.chunk') => `
  not exists (select 1 from results r where r.run_id = q.run_id and r.chunk = ${chunk} and r.dedup_key = q.dedup_key)
  and not exists (select 1 from failures f where f.run_id = q.run_id and f.chunk = ${chunk} and f.dedup_key = q.dedup_key
                  and not f.retryable)`;

/** The chunk's ($2) requests of the run ($1) still waiting (stillPending), as `q`. */
const PENDING_OF_CHUNK = `requests q where q.run_id = $1 and q.chunk = $2 and ${stillPending('$2')}`;

/** A stored answer; `parse`: with its JSON parsed (finalize writes the JSON text as it is). */
function resultOf(row: Record<string, unknown>, parse = true): ResultRow {
  return {
    dedupKey: row.dedup_key as string,
    output: row.output as string,
    parsed: parse && row.json_answer === true ? JSON.parse(row.output as string) : undefined,
    json: row.json_answer === true || undefined,
    provider: row.provider as string,
    model: row.model as string,
    mode: row.mode as 'batch' | 'sync',
    strike: row.strike as number,
    inputTokens: row.input_tokens as number,
    outputTokens: row.output_tokens as number,
    cacheWriteTokens: (row.cache_write_tokens as number | undefined) ?? 0,
    cacheReadTokens: (row.cache_read_tokens as number | undefined) ?? 0,
    costUsd: row.cost_usd as number,
    syncCostUsd: row.sync_cost_usd as number,
    cached: row.cached === true,
  };
}

/**
 * A line of the output with its result. A line is its own first occurrence unless plan marked it a
 * duplicate. The parsed answer is the output's JSON: parsed again rather than sent twice out of the store.
 */
const FINAL_ITEMS = `
  select i.line, i.item_id, i.dedup_key, i.error, coalesce(i.first_line, i.line) as first_line,
         case when i.first_line is null then i.item_id else i.first_item_id end as first_item_id,
         r.output, r.json_answer, r.provider, r.model, r.mode, r.strike,
         r.input_tokens, r.output_tokens, r.cost_usd, r.sync_cost_usd, r.cached,
         r.cache_write_tokens, r.cache_read_tokens
  from items i
  left join results r on r.run_id = i.run_id and r.dedup_key = i.dedup_key`;

function finalItemOf(row: Record<string, unknown>): FinalItem {
  return {
    line: row.line as number,
    itemId: row.item_id as string | null,
    dedupKey: row.dedup_key as string | null,
    error: row.error as string | null,
    firstLine: row.first_line as number | null,
    firstItemId: row.first_item_id as string | null,
    result: row.output === null || row.output === undefined ? null : resultOf(row, false),
  };
}

/** What a run's answers measured (answeredSoFar). */
export interface Measured {
  answers: number;
  billedInput: number;
  countedInput: number;
  output: number;
}

/** Answers enough to measure a run's average tokens per answer. */
const MEASURE_SAMPLE = 5000;

const RESULT_COLUMNS = [
  'run_id',
  'dedup_key',
  'output',
  'json_answer',
  'provider',
  'model',
  'mode',
  'strike',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'sync_cost_usd',
  'cached',
  'cache_write_tokens',
  'cache_read_tokens',
  'chunk',
];

/** A row's chunk: the one its writer names, else its request's (for a caller that does not know it). */
const CHUNK_OF_REQUEST = (key: string) =>
  `(select q.chunk from requests q where q.run_id = $1 and q.dedup_key = ${key})`;
/** pg_advisory_xact_lock's first key for adopting a found batch (the second is the batch id's hash). */
const ADOPT_LOCK = 727276;
/** PostgreSQL's SQLSTATE for a duplicate key. */
const UNIQUE_VIOLATION = '23505';

export class RunStore {
  readonly spend: SpendLedger;
  readonly rates: RateLimits;
  readonly batchSlots: BatchSlots;
  readonly batchUsage: BatchUsageBook;
  /**
   * answeredSoFar of runs that had a full sample: the same answers are sampled on every later call,
   * so the figure is kept rather than measured again before every batch (~0.1 s each at 1M items).
   */
  private readonly fullSamples = new Map<string, Measured>();
  constructor(readonly sql: Sql) {
    this.batchSlots = new BatchSlots(sql);
    this.batchUsage = new BatchUsageBook(sql);
    this.spend = new SpendLedger(sql);
    this.rates = new RateLimits(sql);
  }

  /** What a chunk still has to send: how many requests and their counted input tokens. */
  async pendingSize(runId: string, chunk: number): Promise<{ requests: number; inputTokens: number }> {
    const { rows } = await this.sql.query<{ n: number; tokens: number }>(
      `select count(*)::int as n, coalesce(sum(q.input_tokens), 0)::float8 as tokens from ${PENDING_OF_CHUNK}`,
      [runId, chunk],
    );
    return { requests: rows[0]?.n ?? 0, inputTokens: rows[0]?.tokens ?? 0 };
  }

  /**
   * What this run's answers so far measured: billed tokens against plan's input count. A sample of
   * at most `MEASURE_SAMPLE` answers is plenty for averages and keeps this query cheap at a million
   * results (it runs before every batch).
   */
  async answeredSoFar(runId: string): Promise<Measured> {
    const kept = this.fullSamples.get(runId);
    if (kept) return kept;
    const { rows } = await this.sql.query<{
      answers: number;
      billed_input: number;
      counted_input: number;
      output: number;
    }>(
      `select count(*)::int as answers, coalesce(sum(billed_input), 0)::float8 as billed_input,
              coalesce(sum(counted_input), 0)::float8 as counted_input, coalesce(sum(output), 0)::float8 as output
       -- Every prompt token, cached or not: reservations price them all at the input price (never short).
       from (select r.input_tokens + r.cache_write_tokens + r.cache_read_tokens as billed_input,
                    q.input_tokens as counted_input, r.output_tokens as output
             from (select * from results r where r.run_id = $1 and not r.cached limit ${MEASURE_SAMPLE}) r
             -- One probe per sampled answer (offset 0 keeps it a probe, not a hash of the run's requests).
             cross join lateral (select q.input_tokens from requests q
                                 where q.run_id = r.run_id and q.dedup_key = r.dedup_key offset 0) q) measured`,
      [runId],
    );
    const row = rows[0];
    const measured = {
      answers: row?.answers ?? 0,
      billedInput: row?.billed_input ?? 0,
      countedInput: row?.counted_input ?? 0,
      output: row?.output ?? 0,
    };
    // A handful of runs at a time: the oldest goes first.
    if (measured.answers >= MEASURE_SAMPLE) {
      if (this.fullSamples.size >= 100) this.fullSamples.delete(this.fullSamples.keys().next().value!);
      this.fullSamples.set(runId, measured);
    }
    return measured;
  }

  /** `size` random requests still to send (cache hits excluded), for an estimate's sample. */
  async randomRequests(runId: string, size: number): Promise<{ firstLine: number; inputTokens: number }[]> {
    const { rows } = await this.sql.query<{ first_line: number; input_tokens: number }>(
      `select first_line, input_tokens from requests where run_id = $1 and chunk >= 0 order by random() limit $2`,
      [runId, size],
    );
    return rows.map((r) => ({ firstLine: r.first_line, inputTokens: r.input_tokens }));
  }

  /** Brings the tables up to date (store/migrations); workers starting together take turns. */
  async migrate(): Promise<void> {
    await migrate(this.sql);
  }

  /**
   * Refreshes the planner's statistics of the tables a run just filled. Autovacuum analyzes a table only
   * after it grew by a fifth and a minute has passed: until then a store that grew from empty in
   * one run keeps estimating a few rows per table and joins a
   * page of 5,000 lines by hashing every request and result of the run (finalize went quadratic).
   * ANALYZE samples a fixed number of rows, so it costs about the same at any size.
   */
  async refreshStatistics(tables: readonly StoreTable[] = ['items', 'requests', 'results', 'failures']): Promise<void> {
    // A sample of 3,000 rows a table (not PostgreSQL's 30,000) is enough to tell a scan from an
    // index probe, and a tenth of the work: ANALYZE was 13% of the store's time in a 100k run.
    await this.sql.exec(
      `begin; set local default_statistics_target = 10; ${tables.map((table) => `analyze ${table};`).join(' ')} commit;`,
    );
  }

  /** Plan starts from a clean slate so that a plan attempt that died half-way leaves nothing. */
  async resetPlan(runId: string): Promise<void> {
    this.fullSamples.delete(runId);
    await this.sql.query('delete from items where run_id = $1', [runId]);
    await this.sql.query('delete from requests where run_id = $1', [runId]);
    await this.sql.query('delete from results where run_id = $1 and cached', [runId]);
  }

  /** Plan's cut: each chunk's model and lane. */
  async saveChunkLanes(runId: string, lanes: { chunk: number; model: string; mode: string }[]): Promise<void> {
    await this.sql.query('delete from chunk_lanes where run_id = $1', [runId]);
    if (lanes.length === 0) return;
    await this.sql.query(
      `insert into chunk_lanes (run_id, chunk, model, mode)
       select $1, * from unnest($2::int[], $3::text[], $4::text[])`,
      [runId, lanes.map((l) => l.chunk), lanes.map((l) => l.model), lanes.map((l) => l.mode)],
    );
  }

  /** A chunk's model and lane; undefined for a run planned before lanes were kept. */
  async chunkLane(runId: string, chunk: number): Promise<{ model: string; mode: 'batch' | 'sync' } | undefined> {
    const { rows } = await this.sql.query<{ model: string; mode: 'batch' | 'sync' }>(
      'select model, mode from chunk_lanes where run_id = $1 and chunk = $2',
      [runId, chunk],
    );
    return rows[0];
  }

  /** Moves the chunks numbered from `from` to start at `to` (a hybrid run's sync lane, after its batch chunks). */
  async renumberChunks(runId: string, from: number, to: number): Promise<void> {
    await this.sql.query('update requests set chunk = chunk - $2 + $3 where run_id = $1 and chunk >= $2', [
      runId,
      from,
      to,
    ]);
  }

  /** Forgets every row of a run (an estimate's scratch plan). */
  async discardRun(runId: string): Promise<void> {
    this.fullSamples.delete(runId);
    for (const table of [
      'items',
      'requests',
      'results',
      'failures',
      'batches',
      'spend',
      'sync_calls',
      'runs',
      'chunk_lanes',
    ]) {
      await this.sql.query(`delete from ${table} where run_id = $1`, [runId]);
    }
  }

  /**
   * Answers earlier runs got for these requests: the newest result per dedup key that was really
   * answered (not itself a cache copy) by the model asked for (not a budget downgrade), within maxAge.
   */
  /**
   * Answers earlier runs got for these requests, each from the model its request names (a key covers
   * the model already, but a downgraded answer was given by another model than its request's).
   */
  async cachedAnswers(
    runId: string,
    requests: { dedupKey: string; model: string }[],
    maxAgeMs: number,
  ): Promise<Map<string, ResultRow>> {
    const found = new Map<string, ResultRow>();
    if (requests.length === 0) return found;
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `select distinct on (dedup_key) dedup_key, run_id, output, json_answer, provider, model, mode, strike,
              input_tokens, output_tokens, cost_usd, sync_cost_usd, cache_write_tokens, cache_read_tokens
       from results
       where (dedup_key, model) in (select * from unnest($1::text[], $2::text[]))
         and not cached and run_id <> $3
         and created_at > now() - ($4::float8 * interval '1 millisecond')
       order by dedup_key, created_at desc`,
      [requests.map((r) => r.dedupKey), requests.map((r) => r.model), runId, maxAgeMs],
    );
    for (const row of rows) found.set(row.dedup_key as string, { ...resultOf(row), fromRunId: row.run_id as string });
    return found;
  }

  /** Plan's lines, once per plan (after resetPlan): bulk-loaded where the store can. */
  async insertItems(runId: string, rows: ItemRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.sql.copyRows) {
      const values = rows.map((r) => [
        runId,
        r.line,
        r.itemId ?? null,
        r.dedupKey ?? null,
        r.error ?? null,
        r.firstLine ?? null,
        r.firstItemId ?? null,
      ]);
      const columns = ['run_id', 'line', 'item_id', 'dedup_key', 'error', 'first_line', 'first_item_id'];
      return this.sql.copyRows('items', columns, values);
    }
    await this.sql.query(
      `insert into items (run_id, line, item_id, dedup_key, error, first_line, first_item_id)
       select $1, * from unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[])
       on conflict do nothing`,
      [
        runId,
        rows.map((r) => r.line),
        rows.map((r) => r.itemId ?? null),
        rows.map((r) => r.dedupKey ?? null),
        rows.map((r) => r.error ?? null),
        rows.map((r) => r.firstLine ?? null),
        rows.map((r) => r.firstItemId ?? null),
      ],
    );
  }

  /** First line of each of these ids among the run's stored items (rejected lines do not claim an id). */
  async linesOfItemIds(runId: string, itemIds: string[]): Promise<Map<string, number>> {
    const lines = new Map<string, number>();
    if (itemIds.length === 0) return lines;
    const { rows } = await this.sql.query<{ item_id: string; line: number }>(
      `select item_id, min(line)::int as line from items
       where run_id = $1 and item_id = any($2::text[]) and dedup_key is not null group by item_id`,
      [runId, itemIds],
    );
    for (const row of rows) lines.set(row.item_id, row.line);
    return lines;
  }

  /** Of these dedup keys, those the run already has a request for, with the line (and id) that asked first. */
  async firstOccurrences(runId: string, keys: string[]): Promise<Map<string, { line: number; itemId?: string }>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.sql.query<{ dedup_key: string; first_line: number; item_id: string | null }>(
      'select dedup_key, first_line, item_id from requests where run_id = $1 and dedup_key = any($2::text[])',
      [runId, keys],
    );
    return new Map(rows.map((r) => [r.dedup_key, { line: r.first_line, itemId: r.item_id ?? undefined }]));
  }

  /** Plan's first occurrences, once per plan (after resetPlan): bulk-loaded where the store can. */
  async insertRequests(runId: string, rows: RequestRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.sql.copyRows) {
      const values = rows.map((r) => [
        runId,
        r.dedupKey,
        r.chunk,
        r.firstLine,
        r.itemId ?? null,
        r.bodyJson ?? JSON.stringify(r.body),
        r.inputTokens ?? 0,
      ]);
      const columns = ['run_id', 'dedup_key', 'chunk', 'first_line', 'item_id', 'body', 'input_tokens'];
      return this.sql.copyRows('requests', columns, values);
    }
    await this.sql.query(
      `insert into requests (run_id, dedup_key, chunk, first_line, item_id, body, input_tokens)
       select $1, * from unnest($2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::int[])
       on conflict do nothing`,
      [
        runId,
        rows.map((r) => r.dedupKey),
        rows.map((r) => r.chunk),
        rows.map((r) => r.firstLine),
        rows.map((r) => r.itemId ?? null),
        rows.map((r) => r.bodyJson ?? JSON.stringify(r.body)),
        rows.map((r) => r.inputTokens ?? 0),
      ],
    );
  }

  /**
   * The requests of a chunk still worth sending: no result yet (a retried strike never resends a
   * success) and no permanent failure (those go to the dead letters without burning strikes).
   */
  async pendingRequests(runId: string, chunk: number): Promise<{ dedupKey: string; body: NeutralRequest }[]> {
    const { rows } = await this.sql.query<{ dedup_key: string; body: string }>(
      `select q.dedup_key, q.body from ${PENDING_OF_CHUNK} order by q.first_line`,
      [runId, chunk],
    );
    return rows.map((r) => ({ dedupKey: r.dedup_key, body: JSON.parse(r.body) as NeutralRequest }));
  }

  /**
   * pendingRequests a page at a time, in the same order: submit streams them into the batch file
   * without holding the chunk in memory. A page is cut from the chunk's requests by the index on
   * (run, chunk, first_line) before anything is joined, so each page costs its own rows' index
   * probes: filtered after the cut, a page of the whole chunk's pending rows had the planner hash
   * every result of the run once per page (a 1M-item run's submits took 70% longer).
   */
  async *pendingRequestPages(
    runId: string,
    chunk: number,
    pageSize = 5000,
  ): AsyncGenerator<{ dedupKey: string; body: NeutralRequest }> {
    for (let after = 0; ;) {
      const { rows } = await this.sql.query<{ dedup_key: string; body: string | null; first_line: number }>(
        `select dedup_key, first_line, case when pending then body end as body
         from (select q.dedup_key, q.first_line, q.body, ${stillPending('$2')} as pending
               from (select run_id, dedup_key, first_line, body from requests
                     where run_id = $1 and chunk = $2 and first_line > $3
                     order by first_line limit $4) q) page
         order by first_line`,
        [runId, chunk, after, pageSize],
      );
      for (const row of rows)
        if (row.body !== null) yield { dedupKey: row.dedup_key, body: JSON.parse(row.body) as NeutralRequest };
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1].first_line;
    }
  }

  /** The dedup keys of pendingRequests, without their bodies (collect matches answers by key). */
  async pendingKeys(runId: string, chunk: number): Promise<Set<string>> {
    const { rows } = await this.sql.query<{ dedup_key: string }>(`select q.dedup_key from ${PENDING_OF_CHUNK}`, [
      runId,
      chunk,
    ]);
    return new Set(rows.map((r) => r.dedup_key));
  }

  async pendingCount(runId: string, chunk: number): Promise<number> {
    const { rows } = await this.sql.query<{ n: number }>(`select count(*)::int as n from ${PENDING_OF_CHUNK}`, [
      runId,
      chunk,
    ]);
    return rows[0]?.n ?? 0;
  }

  async chunkDedupKeys(runId: string, chunk: number): Promise<Set<string>> {
    const { rows } = await this.sql.query<{ dedup_key: string }>(
      'select dedup_key from requests where run_id = $1 and chunk = $2',
      [runId, chunk],
    );
    return new Set(rows.map((r) => r.dedup_key));
  }

  async getBatch(runId: string, chunk: number, strike: number): Promise<BatchRecord | undefined> {
    const { rows } = await this.sql.query<{
      provider_batch_id: string | null;
      status: string | null;
      model: string | null;
      attempt: number;
      created_ms: number;
      create_uncertain: boolean;
    }>(
      `select provider_batch_id, status, model, coalesce(attempt, 1) as attempt, create_uncertain,
              (extract(epoch from created_at) * 1000)::float8 as created_ms
       from batches where run_id = $1 and chunk = $2 and strike = $3`,
      [runId, chunk, strike],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      createdAtMs: row.created_ms,
      providerBatchId: row.provider_batch_id ?? undefined,
      status: row.status ?? undefined,
      model: row.model ?? undefined,
      attempt: row.attempt,
      createUncertain: row.create_uncertain,
    };
  }

  /** A create of the (chunk, strike)'s batch failed in a way that does not say it never happened. */
  async markCreateUncertain(runId: string, chunk: number, strike: number): Promise<void> {
    await this.sql.query(
      'update batches set create_uncertain = true where run_id = $1 and chunk = $2 and strike = $3',
      [runId, chunk, strike],
    );
  }

  /** Forgets a (chunk, strike)'s batch record that never got a batch: it starts afresh elsewhere. */
  async forgetBatchIntent(runId: string, chunk: number, strike: number): Promise<void> {
    await this.sql.query(
      'delete from batches where run_id = $1 and chunk = $2 and strike = $3 and provider_batch_id is null',
      [runId, chunk, strike],
    );
  }

  /**
   * Which run, chunk and strike submitted a provider batch (a webhook names only the batch), by the
   * index on provider_batch_id: the store keeps every run's batches.
   */
  async batchOwner(providerBatchId: string): Promise<{ runId: string; chunk: number; strike: number } | undefined> {
    const { rows } = await this.sql.query<{ run_id: string; chunk: number; strike: number }>(
      'select run_id, chunk, strike from batches where provider_batch_id = $1 limit 1',
      [providerBatchId],
    );
    const row = rows[0];
    return row ? { runId: row.run_id, chunk: row.chunk, strike: row.strike } : undefined;
  }

  /**
   * Merges the given fields into the batch record (null-valued fields keep what was there). A new
   * attempt starts the record afresh: the failed batch's id and status are replaced, and its
   * created_at moves on, so a lookup for a lost create only considers batches made since.
   */
  async saveBatch(runId: string, chunk: number, strike: number, record: BatchRecord): Promise<void> {
    await this.sql.query(
      `insert into batches (run_id, chunk, strike, provider_batch_id, status, model, attempt, stop_reason)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (run_id, chunk, strike) do update set
         provider_batch_id = case when ${NEW_ATTEMPT} then excluded.provider_batch_id
                                  else coalesce(excluded.provider_batch_id, batches.provider_batch_id) end,
         status = coalesce(excluded.status, batches.status),
         model = coalesce(excluded.model, batches.model),
         attempt = coalesce(excluded.attempt, batches.attempt),
         stop_reason = case when ${NEW_ATTEMPT} then excluded.stop_reason
                            else coalesce(excluded.stop_reason, batches.stop_reason) end,
         created_at = case when ${NEW_ATTEMPT} then now() else batches.created_at end,
         running_at = case when ${NEW_ATTEMPT} then null else batches.running_at end,
         provider_ended_at = case when ${NEW_ATTEMPT} then null else batches.provider_ended_at end,
         done_at = case when ${NEW_ATTEMPT} then null else batches.done_at end,
         updated_at = now()`,
      [
        runId,
        chunk,
        strike,
        record.providerBatchId ?? null,
        record.status ?? null,
        record.model ?? null,
        record.attempt ?? null,
        record.stopReason ?? null,
      ],
    );
  }

  /**
   * Records a batch found by lookup (a create whose answer was lost) as this (chunk, strike)'s, unless
   * another (chunk, strike) holds it already: false then. Under a lock per batch id, so two chunks
   * that lost their creates at once and found the same candidate (Anthropic's batches carry no key:
   * they are matched by size and time) cannot both adopt it.
   */
  async adoptBatch(runId: string, chunk: number, strike: number, record: BatchRecord): Promise<boolean> {
    const id = record.providerBatchId!;
    return this.sql.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(${ADOPT_LOCK}, hashtext($1))`, [id]);
      const { rows } = await tx.query(
        `select 1 from batches where provider_batch_id = $1 and not (run_id = $2 and chunk = $3 and strike = $4) limit 1`,
        [id, runId, chunk, strike],
      );
      if (rows.length > 0) return false;
      await new RunStore(tx).saveBatch(runId, chunk, strike, record);
      return true;
    });
  }

  /** A poll saw the batch running: the first such poll is when the timeline's running bar starts. */
  async markBatchRunning(runId: string, chunk: number, strike: number): Promise<void> {
    await this.sql.query(
      `update batches set running_at = now()
       where run_id = $1 and chunk = $2 and strike = $3 and running_at is null`,
      [runId, chunk, strike],
    );
  }

  /**
   * A poll saw the batch ended. The first poll that did is kept (a poll retried after this write must
   * not move it), with the provider's own end time where it gives one: the gap is the poll lag.
   */
  async markBatchDone(runId: string, chunk: number, strike: number, providerEndedAtMs?: number): Promise<void> {
    await this.sql.query(
      `update batches set done_at = coalesce(done_at, now()),
              provider_ended_at = coalesce(provider_ended_at, to_timestamp($4::float8 / 1000))
       where run_id = $1 and chunk = $2 and strike = $3`,
      [runId, chunk, strike, providerEndedAtMs ?? null],
    );
  }

  /** Every batch of the run with its times (epoch ms), by chunk and strike, for the report's timeline. */
  async batchTimeline(runId: string): Promise<BatchTimelineEntry[]> {
    const { rows } = await this.sql.query<{
      chunk: number;
      strike: number;
      model: string | null;
      status: string | null;
      attempt: number;
      created_ms: number;
      running_ms: number | null;
      ended_ms: number | null;
      done_ms: number | null;
    }>(
      `select chunk, strike, model, status, coalesce(attempt, 1) as attempt,
              (extract(epoch from created_at) * 1000)::float8 as created_ms,
              (extract(epoch from running_at) * 1000)::float8 as running_ms,
              (extract(epoch from provider_ended_at) * 1000)::float8 as ended_ms,
              (extract(epoch from done_at) * 1000)::float8 as done_ms
       from batches where run_id = $1 and provider_batch_id is not null
       order by chunk, strike`,
      [runId],
    );
    return rows.map((r) => ({
      chunk: r.chunk,
      strike: r.strike,
      ...(r.model ? { model: r.model } : {}),
      status: r.status ?? 'unknown',
      attempt: r.attempt,
      createdAtMs: Math.round(r.created_ms),
      ...(r.running_ms !== null ? { runningAtMs: Math.round(r.running_ms) } : {}),
      ...(r.ended_ms !== null ? { providerEndedAtMs: Math.round(r.ended_ms) } : {}),
      ...(r.done_ms !== null ? { doneAtMs: Math.round(r.done_ms) } : {}),
    }));
  }

  /** The run's batches that we cancelled, by why: unfinished at poll.deadline, or never started. */
  async stoppedBatches(runId: string): Promise<{ deadline: number; stalled: number }> {
    const { rows } = await this.sql.query<{ deadline: number; stalled: number }>(
      `select count(*) filter (where stop_reason = 'deadline')::int as deadline,
              count(*) filter (where stop_reason = 'stalled')::int as stalled
       from batches where run_id = $1`,
      [runId],
    );
    return rows[0] ?? { deadline: 0, stalled: 0 };
  }

  /**
   * Results are written once per item: a second write of the same key is ignored. Where the store
   * bulk-loads, a page is copied in (collect only ever writes keys it found still pending); a key
   * already there fails the copy, and the page then goes through the insert that skips it.
   */
  async insertResults(runId: string, rows: ResultRow[], chunk?: number): Promise<void> {
    if (rows.length === 0) return;
    if (this.sql.copyRows && chunk !== undefined) {
      const values = rows.map((r) => [
        runId,
        r.dedupKey,
        r.output,
        r.parsed !== undefined || r.json === true,
        r.provider,
        r.model,
        r.mode,
        r.strike,
        r.inputTokens,
        r.outputTokens,
        r.costUsd,
        r.syncCostUsd,
        r.cached ?? false,
        r.cacheWriteTokens ?? 0,
        r.cacheReadTokens ?? 0,
        chunk,
      ]);
      const copied = await this.sql.copyRows('results', RESULT_COLUMNS, values).then(
        () => true,
        (error: unknown) => {
          if ((error as { code?: string }).code === UNIQUE_VIOLATION) return false;
          throw error;
        },
      );
      if (copied) return;
    }
    await this.sql.query(
      `insert into results (run_id, dedup_key, output, json_answer, provider, model, mode, strike,
                            input_tokens, output_tokens, cost_usd, sync_cost_usd, cached,
                            cache_write_tokens, cache_read_tokens, chunk)
       select $1, a.*, coalesce($16::int, ${CHUNK_OF_REQUEST('a.dedup_key')})
       from unnest($2::text[], $3::text[], $4::bool[], $5::text[], $6::text[], $7::text[],
                   $8::int[], $9::int[], $10::int[], $11::float8[], $12::float8[], $13::bool[],
                   $14::int[], $15::int[])
            as a(dedup_key, output, json_answer, provider, model, mode, strike, input_tokens, output_tokens,
                 cost_usd, sync_cost_usd, cached, cache_write_tokens, cache_read_tokens)
       on conflict do nothing`,
      [
        runId,
        rows.map((r) => r.dedupKey),
        rows.map((r) => r.output),
        rows.map((r) => r.parsed !== undefined || r.json === true),
        rows.map((r) => r.provider),
        rows.map((r) => r.model),
        rows.map((r) => r.mode),
        rows.map((r) => r.strike),
        rows.map((r) => r.inputTokens),
        rows.map((r) => r.outputTokens),
        rows.map((r) => r.costUsd),
        rows.map((r) => r.syncCostUsd),
        rows.map((r) => r.cached ?? false),
        rows.map((r) => r.cacheWriteTokens ?? 0),
        rows.map((r) => r.cacheReadTokens ?? 0),
        chunk ?? null,
      ],
    );
  }

  /**
   * Upserts failures by (run, item, strike); answers the keys that were new, so that counters
   * (activities/alerts/metrics.ts) count a failure once when an activity that recorded it runs again.
   */
  async recordFailures(runId: string, rows: FailureRow[], chunk?: number): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    // xmax is 0 on a row this statement inserted, set on one it updated (PostgreSQL's upsert).
    const { rows: written } = await this.sql.query<{ dedup_key: string; inserted: boolean }>(
      `insert into failures (run_id, dedup_key, strike, kind, retryable, error, cost_usd, chunk)
       select $1, a.*, coalesce($8::int, ${CHUNK_OF_REQUEST('a.dedup_key')})
       from unnest($2::text[], $3::int[], $4::text[], $5::bool[], $6::text[], $7::float8[])
            as a(dedup_key, strike, kind, retryable, error, cost_usd)
       on conflict (run_id, dedup_key, strike) do update set
         kind = excluded.kind, retryable = excluded.retryable, error = excluded.error, cost_usd = excluded.cost_usd
       returning dedup_key, (xmax = 0) as inserted`,
      [
        runId,
        rows.map((r) => r.dedupKey),
        rows.map((r) => r.strike),
        rows.map((r) => r.kind),
        rows.map((r) => r.retryable),
        rows.map((r) => r.error),
        rows.map((r) => r.costUsd ?? 0),
        chunk ?? null,
      ],
    );
    return new Set(written.filter((r) => r.inserted).map((r) => r.dedup_key));
  }

  /** Totals of a chunk's stored results, so a chunk's outcome is read from the store, not counted twice. */
  async chunkTotals(runId: string, chunk: number) {
    const { rows } = await this.sql.query<{
      requests: number;
      succeeded: number;
      input_tokens: number;
      output_tokens: number;
      cost_usd: number;
      sync_cost_usd: number;
    }>(
      `select (select count(*) from requests q where q.run_id = $1 and q.chunk = $2)::int as requests,
              count(*)::int as succeeded,
              coalesce(sum(r.input_tokens), 0)::int as input_tokens,
              coalesce(sum(r.output_tokens), 0)::int as output_tokens,
              coalesce(sum(r.cost_usd), 0)::float8 as cost_usd,
              coalesce(sum(r.sync_cost_usd), 0)::float8 as sync_cost_usd
       from results r where r.run_id = $1 and r.chunk = $2`,
      [runId, chunk],
    );
    return rows[0];
  }

  /**
   * The run's lines in input order, joined with their result, in pages: one query read through a
   * cursor (one pass over the tables, where pages by keyset each probe the indexes again).
   */
  async *finalItems(runId: string, pageSize: number): AsyncGenerator<FinalItem[]> {
    if (!this.sql.cursor) {
      for (let after = 0; ;) {
        const page = await this.itemsPage(runId, after, pageSize);
        if (page.length === 0) return;
        after = page[page.length - 1].line;
        yield page;
      }
    }
    for await (const rows of this.sql.cursor<Record<string, unknown>>(
      `${FINAL_ITEMS} where i.run_id = $1 order by i.line`,
      [runId],
      pageSize,
    ))
      yield rows.map(finalItemOf);
  }

  /** A page of the run's lines in input order, joined with their request and result. */
  async itemsPage(runId: string, afterLine: number, limit: number): Promise<FinalItem[]> {
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `${FINAL_ITEMS} where i.run_id = $1 and i.line > $2 order by i.line limit $3`,
      [runId, afterLine, limit],
    );
    return rows.map(finalItemOf);
  }

  async failuresFor(runId: string, dedupKeys: string[]): Promise<Map<string, FailureRow[]>> {
    const byKey = new Map<string, FailureRow[]>();
    if (dedupKeys.length === 0) return byKey;
    const { rows } = await this.sql.query<{
      dedup_key: string;
      strike: number;
      kind: string;
      retryable: boolean;
      error: string;
    }>(
      `select dedup_key, strike, kind, retryable, error from failures
       where run_id = $1 and dedup_key = any($2::text[]) order by strike`,
      [runId, dedupKeys],
    );
    for (const row of rows) {
      const list = byKey.get(row.dedup_key) ?? [];
      list.push({
        dedupKey: row.dedup_key,
        strike: row.strike,
        kind: row.kind,
        retryable: row.retryable,
        error: row.error,
      });
      byKey.set(row.dedup_key, list);
    }
    return byKey;
  }

  /** Provider batch ids that some run's chunk and strike already owns (recent ones: lookups are recent). */
  async claimedBatchIds(): Promise<Set<string>> {
    const { rows } = await this.sql.query<{ id: string }>(
      `select provider_batch_id as id from batches
       where provider_batch_id is not null and created_at > now() - interval '3 days'`,
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Ties a run id to the Temporal execution that planned it. Returns the execution that holds the id:
   * a different one means the id was used before (e.g. the store outlived its Temporal server).
   */
  async claimRun(runId: string, temporalRunId: string): Promise<string> {
    await this.sql.query('insert into runs (run_id, temporal_run_id) values ($1, $2) on conflict do nothing', [
      runId,
      temporalRunId,
    ]);
    const { rows } = await this.sql.query<{ temporal_run_id: string }>(
      'select temporal_run_id from runs where run_id = $1',
      [runId],
    );
    return rows[0]?.temporal_run_id ?? temporalRunId;
  }

  /**
   * Ends every request of a chunk (or of the whole run) that still waits for an answer with a
   * failure of this kind, so finalize writes it as a dead letter. Returns how many it ended.
   */
  async failPending(runId: string, chunk: number | undefined, kind: string, error: string): Promise<number> {
    // In two steps: what still waits is read to the end first, then ended. One statement that
    // inserted into failures while its anti-join probed failures went quadratic (each probe reads
    // the rows the statement had inserted so far): a 150,000-line run refused by its budget did
    // not finish dead-lettering in 10 minutes.
    return this.sql.transaction(async (tx) => {
      await tx.query('create temp table ending (dedup_key text not null, chunk integer) on commit drop');
      await tx.query(
        `insert into ending (dedup_key, chunk)
         select q.dedup_key, q.chunk from requests q
         where q.run_id = $1 and ($2::int is null or q.chunk = $2) and ${stillPending()}`,
        [runId, chunk ?? null],
      );
      const { rows } = await tx.query<{ n: number }>(
        `with ended as (
           -- Retryable (a replay may answer them), and ended once: the first reason stays.
           insert into failures (run_id, dedup_key, strike, kind, retryable, error, chunk)
           select $1, dedup_key, ${FINAL_STRIKE}, $2, true, $3, chunk from ending
           on conflict (run_id, dedup_key, strike) do nothing
           returning 1
         )
         select count(*)::int as n from ended`,
        [runId, kind, error],
      );
      return rows[0]?.n ?? 0;
    });
  }

  /**
   * True the first time it is asked for a run (or for a run the store never planned): finalize counts
   * a run's dead letters and end in the metrics only then, so a finalize that runs again (a retry,
   * `llmbatch finalize`) does not count them twice.
   */
  async firstOutcomeCount(runId: string): Promise<boolean> {
    const { rows } = await this.sql.query<{ first: boolean }>(
      `with marked as (
         update runs set outcome_counted_at = now() where run_id = $1 and outcome_counted_at is null returning 1
       )
       select exists(select 1 from marked) or not exists(select 1 from runs where run_id = $1) as first`,
      [runId],
    );
    return rows[0]?.first ?? true;
  }

  /** Records a sync call before it is made, so a crash mid-call still leaves its possible cost. */
  async recordSyncCall(call: {
    callId: string;
    runId: string;
    chunk: number;
    dedupKey: string;
    strike: number;
    estimatedUsd: number;
  }): Promise<void> {
    await this.sql.query(
      `insert into sync_calls (call_id, run_id, chunk, dedup_key, strike, estimated_usd, state)
       values ($1, $2, $3, $4, $5, $6, 'in_flight') on conflict do nothing`,
      [call.callId, call.runId, call.chunk, call.dedupKey, call.strike, call.estimatedUsd],
    );
  }

  async settleSyncCall(callId: string, state: 'answered' | 'unconfirmed'): Promise<void> {
    await this.sql.query('update sync_calls set state = $2 where call_id = $1', [callId, state]);
  }

  /** Sync calls whose answers never arrived (a crash, a lost response): they may have been billed. */
  async unconfirmedSyncCalls(runId: string): Promise<{ calls: number; estimatedUsd: number }> {
    const { rows } = await this.sql.query<{ calls: number; usd: number }>(
      `select count(*)::int as calls, coalesce(sum(estimated_usd), 0)::float8 as usd
       from sync_calls where run_id = $1 and state <> 'answered'`,
      [runId],
    );
    return { calls: rows[0]?.calls ?? 0, estimatedUsd: rows[0]?.usd ?? 0 };
  }

  /** What the provider billed for failed answers of the run (or of one chunk). */
  async failedAnswersCost(runId: string, chunk?: number): Promise<number> {
    const { rows } = await this.sql.query<{ usd: number }>(
      `select coalesce(sum(f.cost_usd), 0)::float8 as usd from failures f
       where f.run_id = $1 and ($2::int is null or f.chunk = $2)`,
      [runId, chunk ?? null],
    );
    return rows[0]?.usd ?? 0;
  }

  /** Provider batches created: a record at attempt N also stands for the N - 1 that failed whole before it. */
  async batchCount(runId: string): Promise<number> {
    const { rows } = await this.sql.query<{ n: number }>(
      `select coalesce(sum(coalesce(attempt, 1) - case when provider_batch_id is null then 1 else 0 end), 0)::int as n
       from batches where run_id = $1`,
      [runId],
    );
    return rows[0]?.n ?? 0;
  }
}
