// Everything a run persists outside Temporal, one concern a part over the same Sql handle: planned
// items and requests, provider batches, results and failures, the answer cache, sync calls, the
// spend ledger and the limits runs share. Writes are keyed upserts, so a retried activity changes nothing.
import type { Sql } from './sql';
import { migrate } from './migrations';
import { AnswerCache } from './answer-cache';
import { BatchRecords } from './batches';
import { BatchSlots } from './batch-slots';
import { BatchUsageBook } from './batch-usage';
import { RunItems } from './items';
import { RateLimits } from './rate-limits';
import { RunResults } from './results';
import { SpendLedger } from './spend-ledger';
import { SyncCalls } from './sync-calls';

/** The tables whose planner statistics a run refreshes as it fills them. */
type StoreTable = 'items' | 'requests' | 'results' | 'failures';

export class RunStore {
  readonly items: RunItems;
  readonly batches: BatchRecords;
  readonly results: RunResults;
  readonly cache: AnswerCache;
  readonly syncCalls: SyncCalls;
  readonly spend: SpendLedger;
  readonly rates: RateLimits;
  readonly batchSlots: BatchSlots;
  readonly batchUsage: BatchUsageBook;
  constructor(readonly sql: Sql) {
    this.results = new RunResults(sql);
    this.items = new RunItems(sql, (runId) => this.results.forgetMeasured(runId));
    this.batches = new BatchRecords(sql);
    this.cache = new AnswerCache(sql);
    this.syncCalls = new SyncCalls(sql);
    this.batchSlots = new BatchSlots(sql);
    this.batchUsage = new BatchUsageBook(sql);
    this.spend = new SpendLedger(sql);
    this.rates = new RateLimits(sql);
  }

  /** Brings the tables up to date (store/migrations); workers starting together take turns. */
  async migrate(): Promise<void> {
    await migrate(this.sql);
  }

  /**
   * Refreshes the planner's statistics of the tables a run just filled. Autovacuum analyzes a table only
   * after it grew by a fifth and a minute has passed: until then a store that grew from empty in
   * one run keeps estimating a few rows per table and joins a
   * page of 5,000 lines by hashing every request and result of the run (finalize went quadratic).
   * ANALYZE samples a fixed number of rows, so it costs about the same at any size.
   */
  async refreshStatistics(tables: readonly StoreTable[] = ['items', 'requests', 'results', 'failures']): Promise<void> {
    // A sample of 3,000 rows a table (not PostgreSQL's 30,000) is enough to tell a scan from an
    // index probe, and a tenth of the work: ANALYZE was 13% of the store's time in a 100k run.
    await this.sql.exec(
      `begin; set local default_statistics_target = 10; ${tables.map((table) => `analyze ${table};`).join(' ')} commit;`,
    );
  }

  /**
   * Ties a run id to the Temporal execution that planned it. Returns the execution that holds the id:
   * a different one means the id was used before (e.g. the store outlived its Temporal server).
   */
  async claimRun(runId: string, temporalRunId: string): Promise<string> {
    await this.sql.query('insert into runs (run_id, temporal_run_id) values ($1, $2) on conflict do nothing', [
      runId,
      temporalRunId,
    ]);
    const { rows } = await this.sql.query<{ temporal_run_id: string }>(
      'select temporal_run_id from runs where run_id = $1',
      [runId],
    );
    return rows[0]?.temporal_run_id ?? temporalRunId;
  }
}
