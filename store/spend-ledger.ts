// The spend ledger behind budgets: a row per provider batch or sync round, reserved at its
// estimate before anything is submitted and settled at what the provider billed once it is
// collected. Reservations are made under one advisory lock, so chunks, runs and workers that
// reserve at the same moment see each other's reservations and cannot overshoot a cap together.
import type { Sql } from './sql';

/** pg_advisory_xact_lock key of every reservation (any 64-bit number no other lock uses). */
const SPEND_LOCK = 727275;

export interface SpendTotals {
  /** This run's spend: settled rows at their actual cost, open rows at their reservation. */
  run: number;
  /** Every run's spend since 00:00 UTC today, and since the 1st of this month (UTC). */
  day: number;
  month: number;
}

export interface Reservation {
  model: string;
  reservedUsd: number;
  actualUsd?: number;
}

/** What a (chunk, strike) cost: answers kept, answers refused by our checks, and sync calls whose answer was lost. */
const ACTUAL_OF = (run: string, chunk: string, strike: string) => `
  coalesce((select sum(r.cost_usd) from results r
            where r.run_id = ${run} and r.chunk = ${chunk} and r.strike = ${strike} and not r.cached), 0)
  + coalesce((select sum(f.cost_usd) from failures f
              where f.run_id = ${run} and f.chunk = ${chunk} and f.strike = ${strike}), 0)
  + coalesce((select sum(c.estimated_usd) from sync_calls c
              where c.run_id = ${run} and c.chunk = ${chunk} and c.strike = ${strike} and c.state <> 'answered'), 0)`;

export class SpendLedger {
  constructor(private readonly sql: Sql) {}

  /** Runs `work` holding the spend lock: totals read inside it stay true until it returns. */
  locked<T>(work: (ledger: SpendLedger) => Promise<T>): Promise<T> {
    return this.sql.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(${SPEND_LOCK})`);
      return work(new SpendLedger(tx));
    });
  }

  async reservation(runId: string, chunk: number, strike: number): Promise<Reservation | undefined> {
    const { rows } = await this.sql.query<{ model: string; reserved_usd: number; actual_usd: number | null }>(
      'select model, reserved_usd, actual_usd from spend where run_id = $1 and chunk = $2 and strike = $3',
      [runId, chunk, strike],
    );
    const row = rows[0];
    return row && { model: row.model, reservedUsd: row.reserved_usd, actualUsd: row.actual_usd ?? undefined };
  }

  async totals(runId: string): Promise<SpendTotals> {
    const { rows } = await this.sql.query<SpendTotals>(
      `select coalesce(sum(coalesce(actual_usd, reserved_usd)) filter (where run_id = $1), 0)::float8 as run,
              coalesce(sum(coalesce(actual_usd, reserved_usd))
                filter (where created_at >= date_trunc('day', now() at time zone 'utc') at time zone 'utc'), 0)::float8 as day,
              coalesce(sum(coalesce(actual_usd, reserved_usd))
                filter (where created_at >= date_trunc('month', now() at time zone 'utc') at time zone 'utc'), 0)::float8 as month
       from spend
       where run_id = $1 or created_at >= date_trunc('month', now() at time zone 'utc') at time zone 'utc'`,
      [runId],
    );
    return rows[0] ?? { run: 0, day: 0, month: 0 };
  }

  async reserve(runId: string, chunk: number, strike: number, model: string, usd: number): Promise<void> {
    await this.sql.query(
      `insert into spend (run_id, chunk, strike, model, reserved_usd) values ($1, $2, $3, $4, $5)
       on conflict do nothing`,
      [runId, chunk, strike, model, usd],
    );
  }

  /** Replaces a batch's or round's reservation with what it cost. Returns that cost. */
  /** Drops an unsettled reservation: nothing was submitted under it (the chunk moved to another provider). */
  async cancelReservation(runId: string, chunk: number, strike: number): Promise<void> {
    await this.sql.query('delete from spend where run_id = $1 and chunk = $2 and strike = $3 and actual_usd is null', [
      runId,
      chunk,
      strike,
    ]);
  }

  async settle(runId: string, chunk: number, strike: number, model: string): Promise<number> {
    const { rows } = await this.sql.query<{ usd: number }>(
      `insert into spend (run_id, chunk, strike, model, reserved_usd, actual_usd)
       select $1, $2, $3, $4, 0, (${ACTUAL_OF('$1', '$2', '$3')})::float8
       on conflict (run_id, chunk, strike) do update set actual_usd = excluded.actual_usd
       returning actual_usd as usd`,
      [runId, chunk, strike, model],
    );
    return rows[0]?.usd ?? 0;
  }

  /** At the end of a run: every reservation still open becomes what its batch or round cost. */
  async settleRun(runId: string): Promise<void> {
    await this.sql.query(
      `update spend s set actual_usd = (${ACTUAL_OF('s.run_id', 's.chunk', 's.strike')})
       where s.run_id = $1 and s.actual_usd is null`,
      [runId],
    );
  }
}
