// What each batch cost by our price table (its lines' usage) and by the provider's own totals (the
// batch object's usage, Bedrock's manifest, or the lines as the provider sent them): report.json's
// confirmed cost beside the computed one. The provider is kept too: a failover chunk's batches are
// another provider's than the run's. And when a run's outcome (its dead letters by kind, its end)
// was counted in the metrics: a finalize that runs again must not count it twice.
export const BATCH_USAGE = `
alter table runs add column if not exists outcome_counted_at timestamptz;
alter table batches add column if not exists provider text;
alter table batches add column if not exists usage_source text;
alter table batches add column if not exists confirmed_input_tokens bigint;
alter table batches add column if not exists confirmed_output_tokens bigint;
alter table batches add column if not exists confirmed_cache_write_tokens bigint;
alter table batches add column if not exists confirmed_cache_read_tokens bigint;
alter table batches add column if not exists computed_usd double precision;
alter table batches add column if not exists confirmed_usd double precision;
`;
