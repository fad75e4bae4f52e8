// Each collected batch's two costs: computed (its lines' usage at our prices) and confirmed (the
// provider's own token totals at the same prices). Kept on the batch's row, overwritten by a
// collect that runs again (it reads the whole files again), summed per provider for the report.
import type { TokenUsage } from '../common';
import type { Sql } from './sql';

export interface BatchUsageRecord {
  /** The provider that ran the batch (a failover chunk's is not the run's). */
  provider: string;
  /** `batch`: the provider's totals for the batch (OpenAI's usage, Bedrock's manifest); `results`: its lines as sent. */
  source: 'batch' | 'results';
  confirmed: TokenUsage;
  computedUsd: number;
  confirmedUsd: number;
}

/** One provider's confirmed batches, summed. */
export interface ConfirmedTotals {
  batches: number;
  /** How many of them the provider confirmed with totals of its own (not only per-item usage). */
  fromBatchTotals: number;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  computedUsd: number;
  confirmedUsd: number;
}

export class BatchUsageBook {
  constructor(private readonly sql: Sql) {}

  async save(runId: string, chunk: number, strike: number, record: BatchUsageRecord): Promise<void> {
    const { confirmed } = record;
    await this.sql.query(
      `update batches set provider = $4, usage_source = $5, confirmed_input_tokens = $6, confirmed_output_tokens = $7,
              confirmed_cache_write_tokens = $8, confirmed_cache_read_tokens = $9, computed_usd = $10, confirmed_usd = $11
       where run_id = $1 and chunk = $2 and strike = $3`,
      [
        runId,
        chunk,
        strike,
        record.provider,
        record.source,
        confirmed.inputTokens,
        confirmed.outputTokens,
        confirmed.cacheWriteTokens ?? 0,
        confirmed.cacheReadTokens ?? 0,
        record.computedUsd,
        record.confirmedUsd,
      ],
    );
  }

  /** The run's collected batches by provider (batches never collected, e.g. failed whole, have none). */
  async byProvider(runId: string): Promise<Record<string, ConfirmedTotals>> {
    const { rows } = await this.sql.query<{ provider: string } & ConfirmedTotals>(
      `select provider, count(*)::int as batches,
              count(*) filter (where usage_source = 'batch')::int as "fromBatchTotals",
              sum(confirmed_input_tokens)::float8 as "inputTokens", sum(confirmed_output_tokens)::float8 as "outputTokens",
              sum(confirmed_cache_write_tokens)::float8 as "cacheWriteTokens",
              sum(confirmed_cache_read_tokens)::float8 as "cacheReadTokens",
              sum(computed_usd)::float8 as "computedUsd", sum(confirmed_usd)::float8 as "confirmedUsd"
       from batches where run_id = $1 and usage_source is not null
       group by provider order by provider`,
      [runId],
    );
    return Object.fromEntries(rows.map(({ provider, ...totals }) => [provider, totals]));
  }
}
