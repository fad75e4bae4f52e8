// The answer cache: answers earlier runs got (and paid for), reused by a run that asks the same.
import type { Sql } from './sql';
import { resultOf, type ResultRow } from './result-rows';

export class AnswerCache {
  constructor(private readonly sql: Sql) {}

  /**
   * Answers earlier runs got for these requests: the newest result per dedup key that was really
   * answered (not itself a cache copy) within maxAge, by the model its request names (a key covers
   * the model already, but a downgraded answer was given by another model than its request's).
   */
  async answers(
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
}
