// Provider capacity shared by every chunk, run and worker (DESIGN.md rule 7): how many batches of a
// provider and model are in flight at once (limits.concurrentBatches) and how many input tokens
// they hold enqueued (limits.enqueuedTokens). A chunk takes a slot before it submits a batch and
// gives it back once the batch is collected; a chunk that finds no room waits instead of being
// refused by the provider. Slots are taken under an advisory lock per key, so two workers cannot
// both take the last one.
import type { Sql } from './sql';

/** pg_advisory_xact_lock's first key for slots (the second is the key's hash). */
const SLOT_LOCK = 727276;
/**
 * A slot older than this is not counted: its chunk was terminated without giving it back (finalize
 * gives back a run's slots, but a terminated run has no finalize). Longer than any batch may run
 * (24 h completion window, a day of polling past it).
 */
const STALE_SLOT = '48 hours';

export interface SlotClaim {
  /** provider:model: what the provider counts its limits by. */
  key: string;
  runId: string;
  chunk: number;
  strike: number;
  /** The batch's input tokens, as enqueued. */
  tokens: number;
  /** 0 = no limit. */
  maxBatches: number;
  maxTokens: number;
}

export interface SlotVerdict {
  taken: boolean;
  /** What the key holds now, for the chunk's phase and log when it must wait. */
  inFlight: number;
  enqueuedTokens: number;
}

export class BatchSlots {
  constructor(private readonly sql: Sql) {}

  /** Takes a slot for the (run, chunk, strike) when there is room; a slot it holds already counts as taken. */
  take(claim: SlotClaim): Promise<SlotVerdict> {
    return this.sql.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(${SLOT_LOCK}, hashtext($1))`, [claim.key]);
      const { rows } = await tx.query<{ batches: number; tokens: number; mine: boolean }>(
        `select count(*)::int as batches, coalesce(sum(tokens), 0)::float8 as tokens,
                coalesce(bool_or(run_id = $2 and chunk = $3 and strike = $4), false) as mine
         from batch_slots where key = $1 and taken_at > now() - interval '${STALE_SLOT}'`,
        [claim.key, claim.runId, claim.chunk, claim.strike],
      );
      const held = rows[0];
      if (held.mine) return { taken: true, inFlight: held.batches, enqueuedTokens: held.tokens };
      // A batch larger than the token limit alone still goes when nothing else is enqueued (plan cuts
      // chunks to fit, but a limit lowered since must not stop a run for ever).
      const room =
        (claim.maxBatches <= 0 || held.batches < claim.maxBatches) &&
        (claim.maxTokens <= 0 || held.batches === 0 || held.tokens + claim.tokens <= claim.maxTokens);
      if (!room) return { taken: false, inFlight: held.batches, enqueuedTokens: held.tokens };
      await tx.query(
        `insert into batch_slots (key, run_id, chunk, strike, tokens) values ($1, $2, $3, $4, $5)
         on conflict (run_id, chunk, strike) do update set key = excluded.key, tokens = excluded.tokens, taken_at = now()`,
        [claim.key, claim.runId, claim.chunk, claim.strike, claim.tokens],
      );
      return { taken: true, inFlight: held.batches + 1, enqueuedTokens: held.tokens + claim.tokens };
    });
  }

  /** Gives a chunk's slot for a strike back (its batch was collected, or never created), or all it holds. */
  async release(runId: string, chunk: number, strike?: number): Promise<void> {
    await this.sql.query(
      'delete from batch_slots where run_id = $1 and chunk = $2 and ($3::int is null or strike = $3)',
      [runId, chunk, strike ?? null],
    );
  }

  /**
   * How many slots each key holds now, stale ones left out as `take` leaves them out: the batches in
   * flight of every run and worker that share this store (the metrics endpoint's gauge).
   */
  async inFlight(): Promise<{ key: string; batches: number }[]> {
    const { rows } = await this.sql.query<{ key: string; batches: number }>(
      `select key, count(*)::int as batches from batch_slots
       where taken_at > now() - interval '${STALE_SLOT}' group by key order by key`,
    );
    return rows;
  }

  /** Gives back every slot a run still holds (its chunks failed or were cancelled before giving theirs). */
  async releaseRun(runId: string): Promise<void> {
    await this.sql.query('delete from batch_slots where run_id = $1', [runId]);
  }
}
