// `npm run bench -- sync [--items N] [--rpm N] [--tpm N] [--concurrency N] [--latency MS]`: llmbatch's
// sync lane (`mode: sync`) against a plain concurrent script (bench/sync-script.ts), with the same
// rpm / tpm / concurrency, against one simulator that enforces the same rpm / tpm the way the
// providers do (a sliding minute, 429 with retry-after). The script runs first, then the ledger and
// the provider's window are reset and llmbatch runs with a worker in its own process. Prints, for
// both: wall time, the achieved rpm and tpm as a share of the configured ones, and the 429s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { loadSpec } from '../client/spec-loader';
import { startRun } from '../client/start-run';
import { startSimulator, type Ledger, type RunningSimulator } from '../simulator';
import { benchCodec } from './bench-codec';
import { buildWorkflowBundle, table } from './e2e';
import { runExecutions } from './e2e-histories';
import { spawnBenchWorker } from './e2e-worker';
import { TICKET_TEMPLATE } from './floor';
import { writeUniqueTicketsFile } from './sync-dataset';
import { startBenchDevServer } from './bench-server';
import { runSyncScript } from './sync-script';

interface Options {
  items: number;
  rpm: number;
  tpm: number;
  concurrency: number;
  latency: number;
}

const USAGE = 'expected --items N, --rpm N, --tpm N (0 = no limit), --concurrency N, --latency MS';
const MODEL = 'gpt-4.1-mini';
const MAX_TOKENS = 50;

function parseArgs(args: string[]): Options {
  // 2,000 calls at 3,000 rpm: 40 s a side when paced at the limit. The tpm is set above what the
  // rpm lets through (about 130 tokens a call) so rpm is the binding limit; --tpm lower to bind it.
  const opts: Options = { items: 2000, rpm: 3000, tpm: 600_000, concurrency: 16, latency: 100 };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split('=', 2);
    const name = flag.replace(/^--/, '') as keyof Options;
    if (!flag.startsWith('--') || !(name in opts)) throw new Error(`unknown option ${args[i]} (${USAGE})`);
    opts[name] = Number(inline ?? args[++i]);
  }
  for (const [name, value] of Object.entries(opts)) {
    const zeroOk = name === 'tpm' || name === 'latency';
    if (!Number.isInteger(value) || value < (zeroOk ? 0 : 1))
      throw new Error(`--${name} must be a ${zeroOk ? 'non-negative' : 'positive'} integer (${USAGE})`);
  }
  if (opts.items > 50_000) throw new Error('--items must be at most 50,000 (one chunk, one limiter: see below)');
  return opts;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');

/** When the provider saw the first and the last call of a side: the ledger, sampled every 20 ms. */
function watchLedger(simulator: RunningSimulator) {
  let first: number | undefined;
  let last = 0;
  let billed = 0;
  const timer = setInterval(() => {
    const ledger = simulator.ledger();
    const now = performance.now();
    if (first === undefined && ledger.requestsBilled + ledger.rateLimited > 0) first = now;
    if (ledger.requestsBilled !== billed) [billed, last] = [ledger.requestsBilled, now];
  }, 20);
  return {
    stop(): { spanMs: number; ledger: Ledger } {
      clearInterval(timer);
      return { spanMs: first === undefined ? 0 : Math.max(1, last - first), ledger: simulator.ledger() };
    },
  };
}

interface Side {
  who: string;
  wallMs: number;
  spanMs: number;
  ledger: Ledger;
}

function row(side: Side, opts: Options): string[] {
  const { requestsBilled: billed, rateLimited, inputTokens, outputTokens } = side.ledger;
  const minutes = side.spanMs / 60_000;
  // Calls between the first and the last, over the time between them: n calls paced at the limit span n - 1 gaps.
  const rpm = Math.max(0, billed - 1) / minutes;
  const tpm = billed > 0 ? (rpm * (inputTokens + outputTokens)) / billed : 0; // the rpm times the mean tokens a call
  return [
    side.who,
    sec(side.wallMs),
    sec(side.spanMs),
    `${int(rpm)} (${pct(rpm, opts.rpm)})`,
    opts.tpm > 0 ? `${int(tpm)} (${pct(tpm, opts.tpm)})` : `${int(tpm)} (no limit)`,
    `${int(rateLimited)} (${pct(rateLimited, billed + rateLimited)})`,
    int(billed),
  ];
}

export async function benchSync(args: string[]): Promise<void> {
  const opts = parseArgs(args);
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-bench-sync-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  let connection: Connection | undefined;
  try {
    const codec = benchCodec();
    console.log(
      `sync bench: ${int(opts.items)} unique tickets, ${MODEL}, maxTokens ${MAX_TOKENS}; rpm ${int(opts.rpm)}, ` +
        `tpm ${opts.tpm ? int(opts.tpm) : 'no limit'}, concurrency ${opts.concurrency}, on both sides and at the ` +
        `simulator (a sliding minute); simulator latency ${opts.latency} ms; ${availableParallelism()} CPUs; ${codec.description}`,
    );
    const server = await startBenchDevServer(dir);
    cleanups.push(() => server.stop());
    const simulator = await startSimulator({
      port: 0,
      profile: { sync: { latencyMs: opts.latency, rpm: opts.rpm, tpm: opts.tpm } },
    });
    cleanups.push(() => simulator.close());
    const input = join(dir, 'tickets.jsonl');
    const bundle = join(dir, 'workflow-bundle.js');
    await Promise.all([writeUniqueTicketsFile(input, opts.items), buildWorkflowBundle(bundle)]);

    const taskQueue = 'bench-sync';
    const worker = spawnBenchWorker({
      address: server.address,
      taskQueue,
      storeDir: join(dir, 'store'),
      simulatorUrl: simulator.url,
      workflowBundle: bundle,
    });
    cleanups.push(() => worker.stop());
    await worker.ready;

    console.log('script: running');
    let watch = watchLedger(simulator);
    const script = await runSyncScript({
      baseURL: `${simulator.url}/v1`,
      input,
      output: join(dir, 'script-results.jsonl'),
      model: MODEL,
      maxTokens: MAX_TOKENS,
      template: TICKET_TEMPLATE,
      concurrency: opts.concurrency,
      rpm: opts.rpm,
      tpm: opts.tpm,
    });
    const scriptSide: Side = { who: 'plain script', wallMs: script.wallMs, ...watch.stop() };
    simulator.reset(); // an empty ledger and an empty provider window for llmbatch

    const specPath = join(dir, 'spec.yaml');
    writeFileSync(
      specPath,
      stringify({
        name: 'bench-sync',
        input: 'tickets.jsonl',
        id: 'id',
        template: TICKET_TEMPLATE,
        output: { dir: 'out' },
        provider: 'simulator',
        model: MODEL,
        maxTokens: MAX_TOKENS,
        mode: 'sync',
        // One chunk: today each chunk's round has a limiter of its own (issue 12 shares it).
        chunkSize: opts.items,
        limits: { syncConcurrency: opts.concurrency, syncRpm: opts.rpm, syncTpm: opts.tpm },
        cache: { enabled: false },
      }),
    );
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, dataConverter: codec.dataConverter });
    console.log('llmbatch: running');
    watch = watchLedger(simulator);
    const started = performance.now();
    const handle = await startRun(client, loadSpec(specPath), { taskQueue, runId: 'bench-sync' });
    const report = await Promise.race([handle.result(), worker.exited]);
    const llmbatchSide: Side = { who: 'llmbatch', wallMs: performance.now() - started, ...watch.stop() };

    console.log('');
    console.log(
      table([
        ['', 'wall time', 'first to last call', 'achieved rpm', 'achieved tpm', '429s', 'calls billed'],
        row(scriptSide, opts),
        row(llmbatchSide, opts),
      ]),
    );
    console.log('');
    // The lane itself against the script: the sync rounds' spans, from the run's histories.
    const spans = (await runExecutions(client, 'bench-sync')).flatMap((e) => e.activities);
    const roundsMs = spans.filter((a) => a.name === 'syncStrike').reduce((n, a) => n + a.ms, 0);
    const byName = new Map<string, number>();
    for (const a of spans) byName.set(a.name, (byName.get(a.name) ?? 0) + a.ms);
    console.log(
      `llmbatch / script wall time: ${(llmbatchSide.wallMs / scriptSide.wallMs).toFixed(2)}x; llmbatch's sync ` +
        `rounds alone ${sec(roundsMs)}, ${(roundsMs / scriptSide.wallMs).toFixed(2)}x the script's wall time ` +
        `(the report says ${sec(report.durationMs)}); the script saw ${script.rateLimited} 429s`,
    );
    console.log(
      `llmbatch's activities: ${[...byName].map(([name, ms]) => `${name} ${sec(ms)}`).join(', ')}; the rest of ` +
        `its wall time is workflow tasks and start-up`,
    );

    const problems: string[] = [];
    if (report.status !== 'completed' || report.succeeded !== opts.items)
      problems.push(`llmbatch's run ended ${report.status} with ${report.succeeded} of ${opts.items} answered`);
    if (script.lines !== opts.items) problems.push(`the script answered ${script.lines} of ${opts.items} lines`);
    for (const side of [scriptSide, llmbatchSide]) {
      if (side.ledger.doubleBilled !== 0) problems.push(`${side.who} was billed twice for some requests`);
      if (side.ledger.requestsBilled !== opts.items)
        problems.push(`${side.who} was billed for ${side.ledger.requestsBilled} calls, not ${opts.items}`);
    }
    for (const problem of problems) console.log(`FAILED: ${problem}`);
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    await connection?.close().catch(() => {});
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
