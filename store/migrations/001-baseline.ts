// Migration 1, the baseline: the tables as they stood when migrations began. Its statements are
// idempotent, so a store made before (DATABASE_URL) takes it as it is. Item text lives here (never in
// workflow history); every write is keyed so that an activity that runs twice writes the same rows once.
export const BASELINE = `
create table if not exists items (
  run_id text not null,
  line integer not null,            -- 1-based line of the input file (CSV: data row)
  item_id text,
  dedup_key text,                   -- null when the line was rejected
  error text,                       -- why the line was rejected
  primary key (run_id, line)
);
create index if not exists items_by_id on items (run_id, item_id);
create table if not exists requests (
  run_id text not null,
  dedup_key text not null,
  chunk integer not null,
  first_line integer not null,
  item_id text,
  body text not null,               -- provider-neutral request, as JSON text
  primary key (run_id, dedup_key)
);
create index if not exists requests_by_chunk on requests (run_id, chunk);
create table if not exists batches (
  run_id text not null,
  chunk integer not null,
  strike integer not null,
  provider_batch_id text,
  status text,
  created_at timestamptz not null default now(),  -- intent recorded: lookups for lost creates start here
  updated_at timestamptz not null default now(),
  primary key (run_id, chunk, strike)
);
create table if not exists results (
  run_id text not null,
  dedup_key text not null,
  output text not null,
  parsed jsonb,
  provider text not null,
  model text not null,
  mode text not null,
  strike integer not null,
  input_tokens integer not null,
  output_tokens integer not null,
  cost_usd double precision not null,
  sync_cost_usd double precision not null,
  primary key (run_id, dedup_key)
);
create table if not exists failures (
  run_id text not null,
  dedup_key text not null,
  strike integer not null,
  kind text not null,
  retryable boolean not null,
  error text not null,
  primary key (run_id, dedup_key, strike)
);
-- What the provider billed for answers that failed (a schema violation, an empty or refused answer):
-- spend with no result line, still part of the run's actual cost. Added after stores existed.
alter table failures add column if not exists cost_usd double precision not null default 0;
-- The uploaded input file's id was written but never read: stores made before it went lose the column.
alter table batches drop column if exists input_file_id;
create table if not exists runs (
  run_id text primary key,
  temporal_run_id text not null,    -- the first execution that planned it: a reused run id is refused
  created_at timestamptz not null default now()
);
create table if not exists sync_calls (
  call_id text primary key,         -- recorded before the call is made
  run_id text not null,
  chunk integer not null,
  dedup_key text not null,
  strike integer not null,
  estimated_usd double precision not null,
  state text not null,              -- in_flight | answered | unconfirmed (the answer was lost)
  started_at timestamptz not null default now()
);
create index if not exists sync_calls_by_run on sync_calls (run_id, state);
-- Plan's count of a request's input tokens (the tokenizer's), for budget reservations.
alter table requests add column if not exists input_tokens integer not null default 0;
-- The model a batch was submitted with (the spec's, or budget.downgradeTo once the run turned yellow).
alter table batches add column if not exists model text;
-- Answers reused across runs: a later run finds results by dedup key (cached rows are copies, cost 0).
alter table results add column if not exists cached boolean not null default false;
alter table results add column if not exists created_at timestamptz not null default now();
-- A batch that failed as a whole is resubmitted for the same strike: the record holds the newest
-- attempt (null = the first).
alter table batches add column if not exists attempt integer;
-- A webhook names only the provider's batch id: its owner is found by it.
create index if not exists batches_by_provider_id on batches (provider_batch_id);
-- A duplicate line names the line (and id) whose request it repeats: finalize reads them without a join.
alter table items add column if not exists first_line integer;
alter table items add column if not exists first_item_id text;
create index if not exists results_by_key on results (dedup_key, created_at);
-- Request bodies are only ever read whole: JSON text is cheaper to load and to read back than jsonb
-- (PGlite: 16% less time to COPY, 30% less to read). Stores made before it convert once.
do $$ begin
  if (select data_type from information_schema.columns
      where table_schema = current_schema() and table_name = 'requests' and column_name = 'body') = 'jsonb' then
    alter table requests alter column body type text using body::text;
  end if;
end $$;
-- Submit pages through a chunk's requests in line order: the chunk index carries the line.
create index if not exists requests_by_chunk_line on requests (run_id, chunk, first_line);
drop index if exists requests_by_chunk;
-- The spend ledger: one row per provider batch or sync round, reserved (estimate) before it is
-- submitted and settled (actual) after it is collected. Budgets add them up per run, UTC day and month.
create table if not exists spend (
  run_id text not null,
  chunk integer not null,
  strike integer not null,
  model text not null,
  reserved_usd double precision not null,
  actual_usd double precision,      -- null until settled
  created_at timestamptz not null default now(),
  primary key (run_id, chunk, strike)
);
create index if not exists spend_by_time on spend (created_at);
-- Shared rates (store/rate-limits.ts): per key, when the calls taken so far are paid for (ms since
-- the epoch, the database's clock) under each limit, and until when a provider's 429 holds them.
create table if not exists rate_limits (
  key text primary key,
  requests_tat double precision not null,
  tokens_tat double precision not null,
  held_until double precision not null
);
-- Provider capacity (store/batch-slots.ts): a row per batch in flight, under its provider:model key.
create table if not exists batch_slots (
  key text not null,
  run_id text not null,
  chunk integer not null,
  strike integer not null,
  tokens bigint not null,            -- input tokens the batch holds enqueued
  taken_at timestamptz not null default now(),
  primary key (run_id, chunk, strike)
);
create index if not exists batch_slots_by_key on batch_slots (key);
-- A create that may have reached the provider although no answer came (a timeout, a 500): such a
-- chunk never fails over, or two providers could bill its items (store/failover.ts).
alter table batches add column if not exists create_uncertain boolean not null default false;
-- Each chunk's model and lane, as plan cut it (routing, hybrid): a chunk reads its own at start.
create table if not exists chunk_lanes (
  run_id text not null,
  chunk integer not null,
  model text not null,
  mode text not null,                -- batch | sync
  primary key (run_id, chunk)
);
-- Anthropic's prompt-cache tokens of an answer, billed apart from input_tokens (writes 1.25x, reads
-- 0.1x the input price). Added after stores existed: older answers read 0.
alter table results add column if not exists cache_write_tokens integer not null default 0;
alter table results add column if not exists cache_read_tokens integer not null default 0;
`;
