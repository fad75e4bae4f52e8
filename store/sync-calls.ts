// Sync calls as they are made: recorded before the call and settled after, so a call whose answer
// was lost still counts at its estimate (it may have been billed).
import type { Sql } from './sql';

export class SyncCalls {
  constructor(private readonly sql: Sql) {}

  /** Records a sync call before it is made, so a crash mid-call still leaves its possible cost. */
  async record(call: {
    callId: string;
    runId: string;
    chunk: number;
    dedupKey: string;
    strike: number;
    estimatedUsd: number;
  }): Promise<void> {
    await this.sql.query(
      `insert into sync_calls (call_id, run_id, chunk, dedup_key, strike, estimated_usd, state)
       values ($1, $2, $3, $4, $5, $6, 'in_flight') on conflict do nothing`,
      [call.callId, call.runId, call.chunk, call.dedupKey, call.strike, call.estimatedUsd],
    );
  }

  async settle(callId: string, state: 'answered' | 'unconfirmed'): Promise<void> {
    await this.sql.query('update sync_calls set state = $2 where call_id = $1', [callId, state]);
  }

  /** Sync calls whose answers never arrived (a crash, a lost response): they may have been billed. */
  async unconfirmed(runId: string): Promise<{ calls: number; estimatedUsd: number }> {
    const { rows } = await this.sql.query<{ calls: number; usd: number }>(
      `select count(*)::int as calls, coalesce(sum(estimated_usd), 0)::float8 as usd
       from sync_calls where run_id = $1 and state <> 'answered'`,
      [runId],
    );
    return { calls: rows[0]?.calls ?? 0, estimatedUsd: rows[0]?.usd ?? 0 };
  }
}
