// `npm run bench -- e2e [--items N] [--chunk N] [--window N] [--temporal-address A] [--workers N]`:
// llmbatch against the floor, on the same data in one process run. Starts a Temporal dev server of
// its own (or uses a running one, e.g. `llmbatch cluster up`'s) and the simulator (20 ms
// validating, 200 ms completion, no faults), writes support tickets (25% duplicates), runs the
// floor (bench/floor.ts: a plain script, no Temporal, no store), then llmbatch with a worker in
// its own process (a prebuilt workflow bundle, as in production), and prints wall times, the
// ratio, the peak PSS of the worker's process tree plus its store's server (bench/process-memory.ts),
// history sizes, where llmbatch's time went by phase, and the store's bytes on disk per item. The
// simulator's ledger is reset between the two. With LLMBATCH_ENCRYPTION_KEY (or _FILE) set, the
// client and the worker encrypt payloads as llmbatch does (bench/bench-codec.ts). Everything it
// starts is stopped and its temp folder deleted, whatever happens.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import type { RunReport } from '../common';
import { loadSpec } from '../client/spec-loader';
import { startRun } from '../client/start-run';
import { freePort } from '../dev/dev-server';
import { isPostgresUrl } from '../store';
import { newWebhookSecret, startSimulator, type Ledger } from '../simulator';
import { writeSupportTicketsFile } from './e2e-dataset';
import { runExecutions, type ExecutionStats } from './e2e-histories';
import { benchCodec } from './bench-codec';
import { spawnBenchWorker, workerNodeFlags } from './e2e-worker';
import { sampleMemory, sampleMemoryEvery, type MemoryPeaks } from './process-memory';
import { startBenchDevServer } from './bench-server';
import { runFloor, TICKET_TEMPLATE, type FloorResult } from './floor';
import { table } from './table';

interface Options {
  items: number;
  chunk: number;
  window: number;
  /** A PostgreSQL store instead of the worker's embedded one (its memory and disk are then not measured). */
  databaseUrl?: string;
  /** A Temporal server already running (`llmbatch cluster up`) instead of a dev server of the bench's own. */
  temporalAddress?: string;
  /** Worker processes on the task queue; the first is the one measured and hears the webhooks. */
  workers: number;
}

const USAGE =
  'expected --items N, --chunk N (up to 50,000), --window N, --database-url postgres://..., --temporal-address HOST:PORT, --workers N';
const PROMPT_TOKENS = 120;
const MODEL = 'gpt-4.1-mini';
const MAX_TOKENS = 50;
const PROFILE = { batch: { validatingMs: 20, completionMs: 200 } };
const ROOT = join(__dirname, '..');

function parseArgs(args: string[]): Options {
  const opts: Options = { items: 100_000, chunk: 10_000, window: 4, workers: 1 };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split('=', 2);
    const text = () => inline ?? args[++i];
    const value = () => Number(text());
    if (flag === '--items') opts.items = value();
    else if (flag === '--chunk') opts.chunk = value();
    else if (flag === '--window') opts.window = value();
    else if (flag === '--database-url') opts.databaseUrl = text();
    else if (flag === '--temporal-address') opts.temporalAddress = text();
    else if (flag === '--workers') opts.workers = value();
    else throw new Error(`unknown option ${args[i]} (${USAGE})`);
  }
  for (const name of ['items', 'chunk', 'window', 'workers'] as const)
    if (!Number.isInteger(opts[name]) || opts[name] < 1)
      throw new Error(`--${name} must be a positive integer (${USAGE})`);
  if (opts.databaseUrl !== undefined && !isPostgresUrl(opts.databaseUrl))
    throw new Error(`--database-url must be a postgres:// URL (${USAGE})`);
  if (opts.chunk > 50_000) throw new Error('--chunk must be at most 50,000 (the OpenAI batch limit)');
  return opts;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mbText = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rate = (count: number, ms: number) => int(count / (ms / 1000));
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const range = (ms: number[]) =>
  ms.length ? `${(Math.min(...ms) / 1000).toFixed(1)}-${(Math.max(...ms) / 1000).toFixed(1)} s` : '-';

export { table };

/** Builds the workflow bundle in a process of its own (webpack's memory stays out of both measured processes). */
export async function buildWorkflowBundle(out: string): Promise<void> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'workers', 'workflow-bundle.ts'), out], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (data: Buffer) => (errors += data.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`building the workflow bundle failed:\n${errors.slice(-2000)}`);
}

interface LlmbatchResult {
  runId: string;
  wallMs: number;
  report: RunReport;
  executions: ExecutionStats[];
}

/** The three phases of a run from its histories: planRun, the chunks (first start to last end), finalizeRun. */
function phases(run: LlmbatchResult): { planMs: number; chunksMs: number; finalizeMs: number } {
  const parentSpans = run.executions.filter((e) => e.isParent).flatMap((e) => e.activities);
  const chunks = run.executions.filter((e) => !e.isParent);
  const spanOf = (name: string) => sum(parentSpans.filter((a) => a.name === name).map((a) => a.ms));
  const chunksMs = chunks.length
    ? Math.max(...chunks.map((c) => c.endMs)) - Math.min(...chunks.map((c) => c.startMs))
    : 0;
  return { planMs: spanOf('planRun'), chunksMs, finalizeMs: spanOf('finalizeRun') };
}

/** Bytes a folder takes on disk: allocated blocks (st_blocks * 512) of everything under it, recursively. */
function diskBytes(path: string): number {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 0; // gone between listing and reading
  }
  const own = stat.blocks !== undefined ? stat.blocks * 512 : stat.size;
  if (!stat.isDirectory()) return own;
  return own + sum(readdirSync(path).map((name) => diskBytes(join(path, name))));
}

/** `812 MB (worker 540 MB, store server 290 MB)`, or the store server's absence. */
function memoryText(peaks: MemoryPeaks): string {
  const server = peaks.storeFound ? `store server ${int(peaks.storeMb)} MB` : 'store server: none found';
  return `${int(peaks.totalMb)} MB (worker ${int(peaks.workerMb)} MB, ${server})`;
}

/** Phase lines from the run's histories: what the parent and the chunks spent, activity by activity. */
function phaseLines(run: LlmbatchResult, unique: number, window: number): string[] {
  const parentSpans = run.executions.filter((e) => e.isParent).flatMap((e) => e.activities);
  const chunks = run.executions.filter((e) => !e.isParent);
  const { planMs, chunksMs, finalizeMs } = phases(run);
  const lines = [`plan ${int(run.report.items)} lines in ${sec(planMs)} (${rate(run.report.items, planMs)} lines/s)`];

  const eachChunk = chunks.map((c) => c.endMs - c.startMs);
  lines.push(
    `chunks: ${chunks.length}, ${window} at a time, ${sec(chunksMs)} from the first start to the last end ` +
      `(each ${range(eachChunk)})`,
  );
  // Every activity type the chunks ran, the known ones first; per chunk, the sum of its spans of that type.
  const known = ['submitBatch', 'pollBatch', 'collectBatch'];
  const order = (name: string) => (known.includes(name) ? known.indexOf(name) : known.length);
  const names = [...new Set(chunks.flatMap((c) => c.activities.map((a) => a.name)))].sort(
    (a, b) => order(a) - order(b) || a.localeCompare(b),
  );
  for (const name of names) {
    const spans = chunks.flatMap((c) => c.activities.filter((a) => a.name === name));
    const perChunk = chunks.map((c) => sum(c.activities.filter((a) => a.name === name).map((a) => a.ms)));
    const total = sum(perChunk);
    const each = `${sec(total)} in all, ${range(perChunk)} a chunk`;
    if (name === 'submitBatch')
      lines.push(`  submit ${int(unique)} requests: ${each} (${rate(unique, total)} requests/s while submitting)`);
    else if (name === 'collectBatch')
      lines.push(`  collect ${int(unique)} answers: ${each} (${rate(unique, total)} answers/s while collecting)`);
    else if (name === 'pollBatch')
      lines.push(`  wait for the batches (pollBatch, ${int(sum(spans.map((a) => a.attempts)))} looks): ${each}`);
    else lines.push(`  ${name} (${spans.length} calls): ${each}`);
  }
  const outside = chunks.map((c) => c.endMs - c.startMs - sum(c.activities.map((a) => a.ms)));
  lines.push(`  outside activities (workflow tasks, queueing): ${sec(sum(outside))} in all, ${range(outside)} a chunk`);
  lines.push(
    `finalize ${int(run.report.items)} lines in ${sec(finalizeMs)} (${rate(run.report.items, finalizeMs)} lines/s)`,
  );
  const otherParent = parentSpans.filter((a) => a.name !== 'planRun' && a.name !== 'finalizeRun');
  if (otherParent.length > 0) {
    const byName = new Map<string, number>();
    for (const a of otherParent) byName.set(a.name, (byName.get(a.name) ?? 0) + a.ms);
    lines.push(`other parent activities: ${[...byName].map(([n, ms]) => `${n} ${sec(ms)}`).join(', ')}`);
  }
  const unfinished = run.executions.flatMap((e) => e.activities).filter((a) => a.outcome !== 'completed');
  if (unfinished.length > 0)
    lines.push(`activities that did not complete: ${unfinished.map((a) => `${a.name} ${a.outcome}`).join(', ')}`);
  lines.push(
    `the rest (start-up, workflow tasks, the gaps between phases): ${sec(run.wallMs - planMs - chunksMs - finalizeMs)}`,
  );
  return lines;
}

export async function benchE2e(args: string[]): Promise<void> {
  const opts = parseArgs(args);
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-bench-e2e-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const cleanUp = async () => {
    for (const step of cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  // On Ctrl-C the Temporal connection is left open: closing it under a pending long poll throws from a timer.
  let connection: Connection | undefined;
  // `on`, not `once`: tsx relays the terminal's Ctrl-C to this process a second time, which must not kill it mid-cleanup.
  let interruptedOnce = false;
  const interrupted = () => {
    if (interruptedOnce) return;
    interruptedOnce = true;
    void cleanUp().finally(() => process.exit(130));
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  try {
    const codec = benchCodec();
    console.log(
      `e2e bench: ${int(opts.items)} support tickets (~${PROMPT_TOKENS}-token prompts, to keep the run short; ` +
        `25% duplicates), chunks of ${int(opts.chunk)}, ${opts.window} in flight, ${MODEL}, maxTokens ${MAX_TOKENS}; ` +
        `simulator ${PROFILE.batch.validatingMs} ms validating + ${PROFILE.batch.completionMs} ms completion, ` +
        `no faults; ${availableParallelism()} CPUs; store: ${opts.databaseUrl ? 'PostgreSQL (--database-url)' : 'embedded (LLMBATCH_STORE_DIR)'}; ` +
        `Temporal: ${opts.temporalAddress ?? 'a dev server of its own'}; ${opts.workers} worker(s); ` +
        `worker node flags: ${workerNodeFlags() || "none (V8's defaults)"}; ` +
        codec.description,
    );
    const server = opts.temporalAddress ? { address: opts.temporalAddress } : await startBenchDevServer(dir);
    if ('stop' in server) cleanups.push(() => server.stop());
    const simulator = await startSimulator({ port: 0, profile: PROFILE });
    cleanups.push(() => simulator.close());

    const input = join(dir, 'tickets.jsonl');
    const bundle = join(dir, 'workflow-bundle.js');
    await Promise.all([writeSupportTicketsFile(input, opts.items, PROMPT_TOKENS), buildWorkflowBundle(bundle)]);

    console.log('floor: running');
    const floor: FloorResult = await runFloor({
      baseURL: `${simulator.url}/v1`,
      input,
      output: join(dir, 'floor-results.jsonl'),
      model: MODEL,
      maxTokens: MAX_TOKENS,
      chunk: opts.chunk,
      window: opts.window,
    });
    const floorLedger: Ledger = simulator.ledger();
    simulator.reset();
    // llmbatch hears of a finished batch as `dev` and the demo do: from the simulator's webhook.
    const webhookPort = await freePort();
    const webhookSecret = newWebhookSecret();
    simulator.setProfile({
      ...PROFILE,
      webhooks: { url: `http://127.0.0.1:${webhookPort}/webhooks/openai`, secret: webhookSecret },
    });

    const specPath = join(dir, 'spec.yaml');
    writeFileSync(
      specPath,
      stringify({
        name: 'bench-e2e',
        input: 'tickets.jsonl',
        id: 'id',
        template: TICKET_TEMPLATE,
        output: { dir: 'out' },
        provider: 'simulator',
        model: MODEL,
        maxTokens: MAX_TOKENS,
        mode: 'batch',
        chunkSize: opts.chunk,
        poll: { initial: '100ms', max: '100ms' },
        limits: { concurrentBatches: opts.window },
        cache: { enabled: false },
      }),
    );
    const spec = loadSpec(specPath);

    // A cluster outlives the bench: a queue of each run's own, so no earlier bench's worker takes its tasks.
    const taskQueue = opts.temporalAddress ? `bench-e2e-${Date.now().toString(36)}` : 'bench-e2e';
    const storeDir = join(dir, 'store');
    // With DATABASE_URL the store's server is not the bench's to measure.
    const measuredStore = opts.databaseUrl ? undefined : storeDir;
    const spawnOne = (extra: Record<string, string>) =>
      spawnBenchWorker({
        address: server.address,
        taskQueue,
        storeDir,
        simulatorUrl: simulator.url,
        workflowBundle: bundle,
        extra: { ...extra, ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}) },
      });
    const worker = spawnOne({ LLMBATCH_WEBHOOK_PORT: String(webhookPort), OPENAI_WEBHOOK_SECRET: webhookSecret });
    cleanups.push(() => worker.stop());
    // The others poll for their batches (the simulator calls one webhook URL).
    const others = Array.from({ length: opts.workers - 1 }, () => spawnOne({}));
    for (const other of others) cleanups.push(() => other.stop());
    const memory = sampleMemoryEvery(worker.pid, measuredStore);
    cleanups.push(() => memory.stop());
    await Promise.all([worker.ready, ...others.map((other) => other.ready)]);
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, dataConverter: codec.dataConverter });

    console.log('llmbatch: running');
    // Start-up (the embedded store's start above all) and the run, told apart.
    const startupPeak = memory.peaks();
    const ready = sampleMemory(worker.pid, measuredStore);
    memory.resetPeak();
    // A PostgreSQL store or a cluster outlives the bench, and refuses a run id it has seen: each run is new.
    const runId = opts.databaseUrl || opts.temporalAddress ? `bench-e2e-${Date.now().toString(36)}` : 'bench-e2e';
    const started = performance.now();
    const handle = await startRun(client, spec, { taskQueue, runId });
    const report = await Promise.race([handle.result(), worker.exited, ...others.map((other) => other.exited)]);
    const wallMs = performance.now() - started;
    const runPeak = memory.peaks();
    const cpu = memory.cpu();
    memory.stop();
    const peak: MemoryPeaks = {
      totalMb: Math.max(startupPeak.totalMb, runPeak.totalMb),
      workerMb: Math.max(startupPeak.workerMb, runPeak.workerMb),
      storeMb: Math.max(startupPeak.storeMb, runPeak.storeMb),
      storeFound: startupPeak.storeFound || runPeak.storeFound,
    };
    const ledger: Ledger = simulator.ledger();
    const executions = await runExecutions(client, runId);
    const run: LlmbatchResult = { runId, wallMs, report, executions };
    const { planMs, chunksMs, finalizeMs } = phases(run);
    // On disk once the worker has stopped (its store closed): what the run left behind.
    await Promise.all([worker.stop(), ...others.map((other) => other.stop())]);
    const storeBytes = measuredStore === undefined ? undefined : diskBytes(measuredStore);

    const totalEvents = sum(executions.map((e) => e.events));
    const largest = executions.reduce((a, b) => (b.events > a.events ? b : a));
    const unique = report.items - report.duplicates - report.rejected - report.cacheHits;
    console.log('');
    console.log(
      table([
        [
          'items',
          'chunk',
          'window',
          'llmbatch',
          'floor',
          'ratio',
          'plan',
          'chunks',
          'finalize',
          'peak PSS (worker + store)',
          'store/item',
          'largest history',
          'events/item',
        ],
        [
          int(opts.items),
          int(opts.chunk),
          String(opts.window),
          sec(wallMs),
          sec(floor.wallMs),
          `${(wallMs / floor.wallMs).toFixed(1)}x`,
          sec(planMs),
          sec(chunksMs),
          sec(finalizeMs),
          `${int(peak.totalMb)} MB`,
          storeBytes === undefined ? '-' : `${int(storeBytes / report.items)} B`,
          `${int(largest.events)} events`,
          (totalEvents / report.items).toPrecision(2),
        ],
      ]),
    );
    console.log('');
    console.log(
      `floor: ${int(floor.lines)} lines, ${int(floor.unique)} unique requests in ${floor.batches} batches, ` +
        `${sec(floor.wallMs)} (${rate(floor.lines, floor.wallMs)} lines/s; reads, renders, dedups and submits as it streams)`,
    );
    console.log(
      `llmbatch: ${sec(wallMs)} from start to report (${rate(report.items, wallMs)} lines/s; the report says ` +
        `${sec(report.durationMs)})`,
    );
    console.log(`worker + store peak PSS ${memoryText(peak)}`);
    // CPU, unlike wall time, hardly moves when something else shares the machine: compare runs by it.
    console.log(
      `CPU during the run: worker ${cpu.workerS.toFixed(1)} s + store server ${cpu.storeS.toFixed(1)} s = ` +
        `${(cpu.workerS + cpu.storeS).toFixed(1)} s (${int(((cpu.workerS + cpu.storeS) * 1e6) / report.items)} µs/item)`,
    );
    console.log(
      `  sampled every 200 ms (the worker's process tree; the store's server from <store>/pgdata/postmaster.pid): ` +
        `start-up peak ${memoryText(startupPeak)}; idle and ready ${int(ready.totalMb)} MB; ` +
        `run peak ${memoryText(runPeak)}`,
    );
    console.log(
      storeBytes === undefined
        ? 'store on disk: not measured (DATABASE_URL)'
        : `store on disk ${mbText(storeBytes)}, ${int(storeBytes / report.items)} bytes/item`,
    );
    console.log(
      `histories: ${executions.length} executions, ${int(totalEvents)} events, the largest ${largest.events} ` +
        `(${largest.workflowId})`,
    );
    for (const line of phaseLines(run, unique, opts.window)) console.log(`  ${line}`);

    const problems: string[] = [];
    const accounted = report.succeeded + report.deadLettered + report.rejected;
    console.log(
      `accounted for: ${int(report.succeeded)} succeeded + ${int(report.deadLettered)} dead-lettered + ` +
        `${int(report.rejected)} rejected = ${int(accounted)} of ${int(report.items)} items, ${int(opts.items)} ` +
        `input lines (status ${report.status}, ${int(report.duplicates)} duplicates, ${report.batches} batches)`,
    );
    if (accounted !== report.items || report.items !== opts.items) problems.push('llmbatch lost lines');
    if (report.status !== 'completed') problems.push(`llmbatch's run ended ${report.status}: ${report.error}`);
    if (floor.lines !== opts.items) problems.push(`the floor wrote ${floor.lines} of ${opts.items} lines`);
    for (const [who, book] of [
      ['floor', floorLedger],
      ['llmbatch', ledger],
    ] as const) {
      console.log(
        `ledger (${who}): ${int(book.requestsBilled)} requests billed in ${book.batchesCreated} batches, ` +
          `doubleBilled ${book.doubleBilled}`,
      );
      if (book.doubleBilled !== 0) problems.push(`${who} was billed twice for ${book.doubleBilled} requests`);
      if (book.requestsBilled !== unique)
        problems.push(`${who} was billed for ${book.requestsBilled} requests, not the ${unique} unique ones`);
    }
    if (problems.length > 0) {
      for (const problem of problems) console.log(`FAILED: ${problem}`);
      process.exitCode = 1;
    }
  } finally {
    await connection?.close().catch(() => {});
    await cleanUp();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}
