// Rates shared by every chunk, run and worker that spends them (DESIGN.md rule 7): the sync lane's
// rpm and tpm per provider and model. Each key is one row holding, per limit, a generic cell rate
// algorithm's "theoretical arrival time" (when the calls taken so far will have been paid for at
// the steady rate). Taking a slot is a single upsert: any number of workers may take at once (the
// row lock orders them) and each learns how long to wait before its call. Time is the database's,
// so workers need not agree on the clock.
import type { Sql } from './sql';

/** What a call costs against one limit, in milliseconds of its steady rate, and how much may go at once. */
export interface RateCost {
  /** The call's share: 60 s / per-minute rate, times its tokens for a token limit. 0 = no limit. */
  costMs: number;
  /** The burst, in the same milliseconds: calls may run ahead of the steady rate by this much. */
  capacityMs: number;
}

export interface SlotRequest {
  requests: RateCost;
  tokens: RateCost;
  /** The caller's clock (tests on virtual time); unset = the database's. */
  nowMs?: number;
}

const NOW = (param: string) => `coalesce(${param}::float8, extract(epoch from statement_timestamp()) * 1000)`;

export class RateLimits {
  constructor(private readonly sql: Sql) {}

  /** Takes the next slot under `key`'s limits and says how many milliseconds from now it starts. */
  async take(key: string, slot: SlotRequest): Promise<number> {
    const now = NOW('$6');
    const { rows } = await this.sql.query<{ wait_ms: number }>(
      `insert into rate_limits as r (key, requests_tat, tokens_tat, held_until)
       values ($1, ${now} + $2, ${now} + $4, 0)
       on conflict (key) do update set
         requests_tat = greatest(r.requests_tat, r.held_until, ${now}) + $2,
         tokens_tat = greatest(r.tokens_tat, r.held_until, ${now}) + $4
       returning (greatest(r.requests_tat - $3, r.tokens_tat - $5, r.held_until, ${now}) - ${now})::float8 as wait_ms`,
      [
        key,
        slot.requests.costMs,
        slot.requests.capacityMs,
        slot.tokens.costMs,
        slot.tokens.capacityMs,
        slot.nowMs ?? null,
      ],
    );
    return Math.max(0, rows[0].wait_ms);
  }

  /** The provider refused a call for its rate (429, retry-after `ms`): no slot under `key` starts before then. */
  async hold(key: string, ms: number, nowMs?: number): Promise<void> {
    const now = NOW('$3');
    await this.sql.query(
      `insert into rate_limits as r (key, requests_tat, tokens_tat, held_until) values ($1, 0, 0, ${now} + $2)
       on conflict (key) do update set held_until = greatest(r.held_until, ${now} + $2)`,
      [key, ms, nowMs ?? null],
    );
  }
}
