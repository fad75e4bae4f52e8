// A collect's answers and failures, stored a page at a time: one page is written while the next is
// parsed, since the store works on its own thread.
import { heartbeat } from '@temporalio/activity';
import type { FailureRow, ResultRow, RunStore } from '../../store';
import { recordStored, type RunMetrics } from '../alerts/metrics';

/** The collect's running counts (its CollectOutcome), shared so that heartbeats show them as they grow. */
export interface CollectCounts {
  succeeded: number;
  failed: number;
  retryable: number;
}

export class CollectPages {
  private results: ResultRow[] = [];
  private failures: FailureRow[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RunStore,
    private readonly target: { runId: string; chunk: number },
    private readonly lane: { provider: string; model: string; mode: 'batch' },
    private readonly counts: CollectCounts,
    private readonly metrics?: RunMetrics,
  ) {}

  get heldResults(): number {
    return this.results.length;
  }

  get heldFailures(): number {
    return this.failures.length;
  }

  answered(row: ResultRow): void {
    this.results.push(row);
    this.counts.succeeded++;
  }

  failed(row: FailureRow): void {
    this.failures.push(row);
    this.counts.failed++;
    if (row.retryable) this.counts.retryable++;
  }

  /** Starts writing what is held, once the page before it is written. */
  async flush(): Promise<void> {
    await this.writing;
    const page = { results: this.results, failures: this.failures };
    this.results = [];
    this.failures = [];
    const { runId, chunk } = this.target;
    this.writing = Promise.all([
      this.store.results.insert(runId, page.results, chunk),
      this.store.results.recordFailures(runId, page.failures, chunk),
    ]).then(([, fresh]) => {
      // Counted once stored: a page a failed write lost is counted by the retry that stores it, and
      // failures a retried collect records again are not counted again (results are never re-read).
      const failures = page.failures.filter((f) => fresh.has(f.dedupKey));
      recordStored(this.metrics, this.lane, { results: page.results, failures });
      heartbeat({ succeeded: this.counts.succeeded, failed: this.counts.failed });
    });
    // Observed at the next flush; until then a failed write must not count as unhandled.
    this.writing.catch(() => undefined);
  }

  /** Writes what is still held and waits for every page to be stored. */
  async close(): Promise<void> {
    await this.flush();
    await this.writing;
  }
}
