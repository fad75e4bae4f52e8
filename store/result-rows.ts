// The rows of a run's outcomes (answers, failures, finalize's lines), the readers that turn query rows
// into them (results.ts, answer-cache.ts), and the columns and SQL fragments they are written and read by.

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
  /** Read by cache.answers: the run that paid for the answer. */
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

/** The strike number of failures recorded for a whole chunk or run (after strike 3). */
export const FINAL_STRIKE = 9;

/** What a run's answers measured (answeredSoFar). */
export interface Measured {
  answers: number;
  billedInput: number;
  countedInput: number;
  output: number;
}

/** Answers enough to measure a run's average tokens per answer. */
export const MEASURE_SAMPLE = 5000;

/** PostgreSQL's SQLSTATE for a duplicate key. */
export const UNIQUE_VIOLATION = '23505';

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

/** A stored answer; `parse`: with its JSON parsed (finalize writes the JSON text as it is). */
export function resultOf(row: Record<string, unknown>, parse = true): ResultRow {
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
export const FINAL_ITEMS = `
  select i.line, i.item_id, i.dedup_key, i.error, coalesce(i.first_line, i.line) as first_line,
         case when i.first_line is null then i.item_id else i.first_item_id end as first_item_id,
         r.output, r.json_answer, r.provider, r.model, r.mode, r.strike,
         r.input_tokens, r.output_tokens, r.cost_usd, r.sync_cost_usd, r.cached,
         r.cache_write_tokens, r.cache_read_tokens
  from items i
  left join results r on r.run_id = i.run_id and r.dedup_key = i.dedup_key`;

export function finalItemOf(row: Record<string, unknown>): FinalItem {
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

export const RESULT_COLUMNS = [
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
export const CHUNK_OF_REQUEST = (key: string) =>
  `(select q.chunk from requests q where q.run_id = $1 and q.dedup_key = ${key})`;
