// Operators can see (issue 13, item 4): a worker process started with LLMBATCH_METRICS_PORT serves
// Prometheus metrics, and `curl` of it during a run shows our counters moving; at the end they
// agree with the run's report. The same worker logs with LLMBATCH_LOG_FORMAT=json: every stdout line
// is one JSON object, and the run's lines carry its run id and chunk.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../client/spec-loader';
import { startRun } from '../../client/start-run';
import type { RunReport } from '../../common';
import { freePort } from '../../dev/dev-server';
import { writeTickets } from '../support/datasets';
import { fastSpec, startHarness, workflowBundle, type Harness } from '../support/harness';
import { sampleSum, scrape } from '../support/prometheus';
import { until } from '../support/until';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

const ITEMS = 600;

interface Scrape {
  succeeded: number;
  submitted: number;
  inFlight: number;
  spend: number;
}

describe('the worker metrics endpoint and JSON logs', () => {
  let h: Harness;
  let worker: WorkerProcess;
  let metricsUrl: string;
  let stdout = '';
  let runId: string;
  let report: RunReport;

  beforeAll(async () => {
    // Batches slow enough (1.5 s each, two at a time, six of them) for scrapes to land mid-run.
    h = await startHarness({ inProcessWorker: false, profile: { batch: { validatingMs: 50, completionMs: 1500 } } });
    writeTickets(join(h.dir, 'tickets.jsonl'), ITEMS);
    const bundle = join(h.dir, 'workflow-bundle.js');
    writeFileSync(bundle, (await workflowBundle()).code);
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    worker = spawnWorker({
      taskQueue: h.taskQueue,
      storeDir: join(h.dir, 'store'),
      simulatorUrl: h.simulator.url,
      extraEnv: {
        LLMBATCH_WORKFLOW_BUNDLE: bundle,
        LLMBATCH_METRICS_PORT: String(port),
        LLMBATCH_LOG_FORMAT: 'json',
        // DEBUG: the activities' own lines (started, completed), which name their chunk.
        LLMBATCH_LOG_LEVEL: 'DEBUG',
        LLMBATCH_SHUTDOWN_GRACE: '1s',
      },
    });
    worker.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    await until('the worker to poll', () => worker.output().includes('worker polling'), 60_000);
  });
  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await h?.close();
  });

  it('shows our counters moving during a run, and agreeing with the report at its end', async () => {
    const before = await scrape(metricsUrl);
    expect(sampleSum(before, 'llmbatch_items_succeeded_total')).toBe(0);

    runId = `it-metrics-${Date.now()}`;
    const spec = loadSpec(h.writeSpec(fastSpec({ chunkSize: 100, limits: { concurrentBatches: 2 } })));
    const handle = await startRun(h.client, spec, { taskQueue: h.taskQueue, runId });
    const scrapes: Scrape[] = [];
    let done = false;
    const result = handle.result().finally(() => (done = true));
    while (!done) {
      const text = await scrape(metricsUrl);
      scrapes.push({
        succeeded: sampleSum(text, 'llmbatch_items_succeeded_total'),
        submitted: sampleSum(text, 'llmbatch_batches_submitted_total'),
        inFlight: sampleSum(text, 'llmbatch_batches_in_flight'),
        spend: sampleSum(text, 'llmbatch_spend_usd_total'),
      });
      await new Promise((r) => setTimeout(r, 250));
    }
    report = await result;
    const after = await scrape(metricsUrl);

    // Moving: a scrape mid-run saw some answers but not all, and a later one saw more.
    const mid = scrapes.filter((s) => s.succeeded > 0 && s.succeeded < ITEMS);
    expect(mid.length).toBeGreaterThanOrEqual(2);
    expect(mid[mid.length - 1].succeeded).toBeGreaterThan(mid[0].succeeded);
    expect(mid[mid.length - 1].spend).toBeGreaterThan(mid[0].spend);
    expect(Math.max(...scrapes.map((s) => s.inFlight))).toBeGreaterThan(0);
    expect(Math.max(...scrapes.map((s) => s.inFlight))).toBeLessThanOrEqual(2); // limits.concurrentBatches

    // Consistent at the end: the counters are the report's numbers.
    expect(report).toMatchObject({ items: ITEMS, succeeded: ITEMS, deadLettered: 0, batches: 6, status: 'completed' });
    const labels = { provider: 'simulator', model: 'gpt-4.1-mini', mode: 'batch' };
    expect(sampleSum(after, 'llmbatch_items_succeeded_total', labels)).toBe(report.succeeded);
    expect(sampleSum(after, 'llmbatch_items_failed_total')).toBe(0);
    expect(sampleSum(after, 'llmbatch_batches_submitted_total', { provider: 'simulator' })).toBe(report.batches);
    expect(sampleSum(after, 'llmbatch_spend_usd_total', labels)).toBeCloseTo(report.costUsd.actual, 5);
    expect(sampleSum(after, 'llmbatch_batches_in_flight')).toBe(0);
    expect(sampleSum(after, 'llmbatch_poll_lag_seconds_count')).toBe(report.batches);
    expect(sampleSum(after, 'llmbatch_runs_finished_total', { status: 'completed' })).toBe(1);
    expect(after).not.toContain(runId); // run ids go to logs, never to labels

    // Temporal's runtime metrics and Node's, in the same scrape.
    expect(sampleSum(after, 'llmbatch_temporal_metrics_up')).toBe(1);
    expect(after).toMatch(/^temporal_worker_task_slots_available\{/m);
    expect(sampleSum(after, 'temporal_activity_execution_latency_count')).toBeGreaterThan(0);
    expect(sampleSum(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('logs one JSON object a line on stdout, the run id and chunk on the run lines', () => {
    expect(runId).toBeDefined();
    const lines = stdout.split('\n').filter((line) => line.length > 0);
    expect(lines.length).toBeGreaterThan(10);
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
    for (const entry of entries) expect(Object.keys(entry).slice(0, 3)).toEqual(['time', 'level', 'message']);
    expect(entries.some((e) => String(e.message).includes('worker polling'))).toBe(true);
    const ofRun = entries.filter((e) => e.runId === runId);
    expect(ofRun.length).toBeGreaterThan(0);
    expect(ofRun.some((e) => e.message === 'planned')).toBe(true);
    const chunks = new Set(ofRun.filter((e) => typeof e.chunk === 'number').map((e) => e.chunk));
    expect(chunks.size).toBe(report.batches);
    // Temporal's run ids (UUIDs) never pass for ours.
    expect(entries.filter((e) => typeof e.runId === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(e.runId))).toEqual([]);
  });
});
