// Provider batches as a run's chunks and strikes submitted them: one record per (run, chunk, strike),
// its attempts, its owner and its times for the report's timeline.
import type { Sql } from './sql';
import type { BatchTimelineEntry } from '../common';

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

/** In save: the record being written starts another submission of its (chunk, strike). */
const NEW_ATTEMPT = 'excluded.attempt is not null and excluded.attempt <> coalesce(batches.attempt, 1)';

/** pg_advisory_xact_lock's first key for adopting a found batch (the second is the batch id's hash). */
const ADOPT_LOCK = 727276;

export class BatchRecords {
  constructor(private readonly sql: Sql) {}

  async get(runId: string, chunk: number, strike: number): Promise<BatchRecord | undefined> {
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
  async forgetIntent(runId: string, chunk: number, strike: number): Promise<void> {
    await this.sql.query(
      'delete from batches where run_id = $1 and chunk = $2 and strike = $3 and provider_batch_id is null',
      [runId, chunk, strike],
    );
  }

  /**
   * Which run, chunk and strike submitted a provider batch (a webhook names only the batch), by the
   * index on provider_batch_id: the store keeps every run's batches.
   */
  async owner(providerBatchId: string): Promise<{ runId: string; chunk: number; strike: number } | undefined> {
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
  async save(runId: string, chunk: number, strike: number, record: BatchRecord): Promise<void> {
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
  async adopt(runId: string, chunk: number, strike: number, record: BatchRecord): Promise<boolean> {
    const id = record.providerBatchId!;
    return this.sql.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(${ADOPT_LOCK}, hashtext($1))`, [id]);
      const { rows } = await tx.query(
        `select 1 from batches where provider_batch_id = $1 and not (run_id = $2 and chunk = $3 and strike = $4) limit 1`,
        [id, runId, chunk, strike],
      );
      if (rows.length > 0) return false;
      await new BatchRecords(tx).save(runId, chunk, strike, record);
      return true;
    });
  }

  /** A poll saw the batch running: the first such poll is when the timeline's running bar starts. */
  async markRunning(runId: string, chunk: number, strike: number): Promise<void> {
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
  async markDone(runId: string, chunk: number, strike: number, providerEndedAtMs?: number): Promise<void> {
    await this.sql.query(
      `update batches set done_at = coalesce(done_at, now()),
              provider_ended_at = coalesce(provider_ended_at, to_timestamp($4::float8 / 1000))
       where run_id = $1 and chunk = $2 and strike = $3`,
      [runId, chunk, strike, providerEndedAtMs ?? null],
    );
  }

  /** Every batch of the run with its times (epoch ms), by chunk and strike, for the report's timeline. */
  async timeline(runId: string): Promise<BatchTimelineEntry[]> {
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
  async stopped(runId: string): Promise<{ deadline: number; stalled: number }> {
    const { rows } = await this.sql.query<{ deadline: number; stalled: number }>(
      `select count(*) filter (where stop_reason = 'deadline')::int as deadline,
              count(*) filter (where stop_reason = 'stalled')::int as stalled
       from batches where run_id = $1`,
      [runId],
    );
    return rows[0] ?? { deadline: 0, stalled: 0 };
  }

  /** Provider batch ids that some run's chunk and strike already owns (recent ones: lookups are recent). */
  async claimedIds(): Promise<Set<string>> {
    const { rows } = await this.sql.query<{ id: string }>(
      `select provider_batch_id as id from batches
       where provider_batch_id is not null and created_at > now() - interval '3 days'`,
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Provider batches created: a record at attempt N also stands for the N - 1 that failed whole before it. */
  async count(runId: string): Promise<number> {
    const { rows } = await this.sql.query<{ n: number }>(
      `select coalesce(sum(coalesce(attempt, 1) - case when provider_batch_id is null then 1 else 0 end), 0)::int as n
       from batches where run_id = $1`,
      [runId],
    );
    return rows[0]?.n ?? 0;
  }
}
