// llmbatch's own Prometheus metrics, recorded by the activities where things happen (collect, submit,
// sync calls, alerts, finalize) and served by the worker (workers/metrics-server.ts). Labels are
// provider, model, mode, kind: a few values each. Never a run id (one series per run would grow
// without end; logs carry it) and never item text.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type Lane = 'batch' | 'sync';

/** What one store write of answers or failures held, for the counters. */
export interface AnsweredItems {
  provider: string;
  model: string;
  mode: Lane;
  count: number;
  costUsd: number;
}

export interface FailedItems extends AnsweredItems {
  kind: string;
  retryable: boolean;
}

export interface RunMetrics {
  readonly registry: Registry;
  /** Answers stored (each item at most once: collect and sync calls store only what is pending). */
  answered(items: AnsweredItems): void;
  /** Failed attempts stored, by kind; with what the provider billed for answers that failed the checks. */
  failed(items: FailedItems): void;
  batchSubmitted(provider: string, model: string): void;
  /** From the provider's end of a batch to the start of its collect. */
  pollLag(provider: string, model: string, seconds: number): void;
  syncCall(provider: string, model: string, outcome: SyncCallOutcome): void;
  /** A 429 from the provider: a sync call, a batch create, or an item of a batch's error file. */
  rateLimited(provider: string, model: string, where: 'sync' | 'batch_create' | 'batch_item', count?: number): void;
  alert(kind: string): void;
  deadLettered(kind: string, count: number): void;
  /** A run's outputs written: completed, cancelled or failed. */
  runFinished(status: string): void;
}

export type SyncCallOutcome = 'answered' | 'failed' | 'rate_limited' | 'error';

/** Where the batches-in-flight gauge reads from at each scrape (the store's batch slots). */
export type InFlightSource = () => Promise<{ key: string; batches: number }[]>;

/** `batch:<provider>:<model>`, the batch slot key (activities/batch/batch-slots.ts); models may hold colons. */
export function slotKeyLabels(key: string): { provider: string; model: string } {
  const [, provider = '', ...model] = key.split(':');
  return { provider, model: model.join(':') };
}

/** Poll lag buckets: webhooks bring it under a second, polling up to the 5 minute cap and beyond. */
const LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/** Every series llmbatch counts, registered with `registers`. */
function createSeries(registers: Registry[]) {
  return {
    succeeded: new Counter({
      name: 'llmbatch_items_succeeded_total',
      help: 'Items answered and stored (valid against the output schema)',
      labelNames: ['provider', 'model', 'mode'],
      registers,
    }),
    failed: new Counter({
      name: 'llmbatch_items_failed_total',
      help: 'Failed item attempts stored, by failure kind; retryable ones go to the next strike',
      labelNames: ['provider', 'model', 'mode', 'kind', 'retryable'],
      registers,
    }),
    spend: new Counter({
      name: 'llmbatch_spend_usd_total',
      help: "What the providers billed, in USD, from their usage fields and the run's price table",
      labelNames: ['provider', 'model', 'mode'],
      registers,
    }),
    submitted: new Counter({
      name: 'llmbatch_batches_submitted_total',
      help: 'Provider batches created (a batch found again after a lost create response is not counted twice)',
      labelNames: ['provider', 'model'],
      registers,
    }),
    lag: new Histogram({
      name: 'llmbatch_poll_lag_seconds',
      help: "From the provider's end of a batch to the start of its collect",
      labelNames: ['provider', 'model'],
      buckets: LAG_BUCKETS,
      registers,
    }),
    syncCalls: new Counter({
      name: 'llmbatch_sync_calls_total',
      help: 'Sync API calls made, by outcome (answered, failed, rate_limited, error)',
      labelNames: ['provider', 'model', 'outcome'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'llmbatch_rate_limited_total',
      help: 'HTTP 429 answers from the providers, by where they came (sync, batch_create, batch_item)',
      labelNames: ['provider', 'model', 'where'],
      registers,
    }),
    alerts: new Counter({
      name: 'llmbatch_alerts_total',
      help: 'Alerts raised, by kind (see docs/runbook.md)',
      labelNames: ['kind'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'llmbatch_items_dead_lettered_total',
      help: "Items written to a finished run's dead-letter.jsonl, by kind",
      labelNames: ['kind'],
      registers,
    }),
    runs: new Counter({
      name: 'llmbatch_runs_finished_total',
      help: 'Runs whose output files were written, by status (completed, cancelled, failed)',
      labelNames: ['status'],
      registers,
    }),
  };
}

function registerBatchesInFlight(source: InFlightSource, registers: Registry[]): void {
  new Gauge({
    name: 'llmbatch_batches_in_flight',
    help: 'Provider batches holding a slot now (taken before submit, given back after collect), across every worker of the store',
    labelNames: ['provider', 'model'],
    registers,
    // Read at each scrape from the store, the truth across workers and restarts: a counter kept in
    // memory would forget the batches a restarted worker had in flight.
    async collect() {
      this.reset();
      for (const { key, batches } of await source()) this.set(slotKeyLabels(key), batches);
    },
  });
}

export function createRunMetrics(options: { registry?: Registry; batchesInFlight?: InFlightSource } = {}): RunMetrics {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  const { succeeded, failed, spend, submitted, lag, syncCalls, rateLimited, alerts, deadLettered, runs } =
    createSeries(registers);
  if (options.batchesInFlight) registerBatchesInFlight(options.batchesInFlight, registers);

  return {
    registry,
    answered({ provider, model, mode, count, costUsd }) {
      if (count === 0) return;
      succeeded.inc({ provider, model, mode }, count);
      if (costUsd > 0) spend.inc({ provider, model, mode }, costUsd);
    },
    failed({ provider, model, mode, kind, retryable, count, costUsd }) {
      if (count === 0) return;
      failed.inc({ provider, model, mode, kind, retryable: String(retryable) }, count);
      if (costUsd > 0) spend.inc({ provider, model, mode }, costUsd);
    },
    batchSubmitted: (provider, model) => submitted.inc({ provider, model }),
    pollLag(provider, model, seconds) {
      // A provider clock ahead of ours would make it negative: it is still "at once".
      lag.observe({ provider, model }, Math.max(0, seconds));
    },
    syncCall: (provider, model, outcome) => syncCalls.inc({ provider, model, outcome }),
    rateLimited: (provider, model, where, count = 1) => rateLimited.inc({ provider, model, where }, count),
    alert: (kind) => alerts.inc({ kind }),
    deadLettered(kind, count) {
      if (count > 0) deadLettered.inc({ kind }, count);
    },
    runFinished: (status) => runs.inc({ status }),
  };
}

/** Groups failure rows by kind and retryability, so a page of 1,000 is a few counter increments. */
export function countFailures<T extends { kind: string; retryable: boolean; costUsd?: number }>(
  rows: readonly T[],
): { kind: string; retryable: boolean; count: number; costUsd: number }[] {
  const groups = new Map<string, { kind: string; retryable: boolean; count: number; costUsd: number }>();
  for (const row of rows) {
    const key = `${row.kind}/${row.retryable}`;
    const group = groups.get(key) ?? { kind: row.kind, retryable: row.retryable, count: 0, costUsd: 0 };
    group.count++;
    group.costUsd += row.costUsd ?? 0;
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * Counts a page of stored rows: answers, failures by kind, their spend, and the items a provider
 * answered 429 (in a batch's error file, or a sync call's final answer).
 */
export function recordStored(
  metrics: RunMetrics | undefined,
  lane: { provider: string; model: string; mode: Lane },
  page: {
    results: readonly { costUsd: number }[];
    failures: readonly { kind: string; retryable: boolean; costUsd?: number }[];
  },
): void {
  if (!metrics) return;
  const costUsd = page.results.reduce((sum, r) => sum + r.costUsd, 0);
  metrics.answered({ ...lane, count: page.results.length, costUsd });
  for (const group of countFailures(page.failures)) {
    metrics.failed({ ...lane, ...group });
    // Sync 429s are counted per call as they come (most are retried, never stored as failures).
    if (group.kind === 'rate_limited' && lane.mode === 'batch')
      metrics.rateLimited(lane.provider, lane.model, 'batch_item', group.count);
  }
}
