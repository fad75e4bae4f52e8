// A run's outcomes: answers (results) and failures, written as keyed upserts so a retried activity
// changes nothing, and read back for a chunk's totals, finalize's pages and what answers measured.
import type { Sql } from './sql';
import { stillPending } from './pending-sql';
import {
  CHUNK_OF_REQUEST,
  FINAL_ITEMS,
  FINAL_STRIKE,
  finalItemOf,
  MEASURE_SAMPLE,
  RESULT_COLUMNS,
  UNIQUE_VIOLATION,
  type FailureRow,
  type FinalItem,
  type Measured,
  type ResultRow,
} from './result-rows';

export class RunResults {
  /**
   * answeredSoFar of runs that had a full sample: the same answers are sampled on every later call,
   * so the figure is kept rather than measured again before every batch (~0.1 s each at 1M items).
   */
  private readonly fullSamples = new Map<string, Measured>();
  constructor(private readonly sql: Sql) {}

  /** A run's plan went (reset or discarded): what its answers measured goes with it. */
  forgetMeasured(runId: string): void {
    this.fullSamples.delete(runId);
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

  /**
   * Results are written once per item: a second write of the same key is ignored. Where the store
   * bulk-loads, a page is copied in (collect only ever writes keys it found still pending); a key
   * already there fails the copy, and the page then goes through the insert that skips it.
   */
  async insert(runId: string, rows: ResultRow[], chunk?: number): Promise<void> {
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

  /** What the provider billed for failed answers of the run (or of one chunk). */
  async failedAnswersCost(runId: string, chunk?: number): Promise<number> {
    const { rows } = await this.sql.query<{ usd: number }>(
      `select coalesce(sum(f.cost_usd), 0)::float8 as usd from failures f
       where f.run_id = $1 and ($2::int is null or f.chunk = $2)`,
      [runId, chunk ?? null],
    );
    return rows[0]?.usd ?? 0;
  }
}
