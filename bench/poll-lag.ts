// `npm run bench -- poll-lag [--batches N] [--completion-ms MS] [--poll DURATION]`: how long after
// the provider finished a batch llmbatch has its results stored, over the batch's duration, with
// the batch webhooks and without them (polling only), side by side in one run. One stack (a dev
// server of its own, the simulator, a worker with its webhook endpoint, as `dev` runs them); each
// mode runs N chunks of one batch each, all in flight at once. The lag of a batch is from the
// simulator's final status (its own clock, to the millisecond) to the chunk's collectBatch
// completing (the history's event time, the same machine's clock); its duration is from create to
// that final status.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { loadSpec } from '../client/spec-loader';
import { startRun } from '../client/start-run';
import { loadConfig } from '../common/config';
import { startEmbedded, type Embedded } from '../dev/embedded';
import { chunkWorkflowId } from '../workflows';
import { codecEnv } from './bench-codec';
import { TICKET_TEMPLATE } from './floor';
import { table } from './table';

interface Options {
  batches: number;
  completionMs: number;
  poll: string;
}

const USAGE = 'expected --batches N, --completion-ms MS, --poll DURATION (e.g. 1s)';
const ITEMS_PER_BATCH = 20;
const VALIDATING_MS = 200;
const EventType = temporal.api.enums.v1.EventType;
/** With webhooks, the production default poll: the batch's end is the webhook's to tell, polling only the fallback. */
const WEBHOOK_MODE_POLL = '60s';

function parseArgs(args: string[]): Options {
  const opts: Options = { batches: 12, completionMs: 10_000, poll: '1s' };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split('=', 2);
    const value = () => inline ?? args[++i];
    if (flag === '--batches') opts.batches = Number(value());
    else if (flag === '--completion-ms') opts.completionMs = Number(value());
    else if (flag === '--poll') opts.poll = value();
    else throw new Error(`unknown option ${args[i]} (${USAGE})`);
  }
  if (!Number.isInteger(opts.batches) || opts.batches < 1) throw new Error(`--batches: ${USAGE}`);
  if (!Number.isInteger(opts.completionMs) || opts.completionMs < 100) throw new Error(`--completion-ms: ${USAGE}`);
  return opts;
}

interface BatchLag {
  chunk: number;
  lagMs: number;
  durationMs: number;
}

/** The value below which `q` of the sorted values lie (nearest rank). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** When the chunk's collectBatch completed: its results are in the store. */
async function collectedAtMs(client: Client, workflowId: string): Promise<number> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const collects = new Set<number>();
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'collectBatch') collects.add(Number(event.eventId));
    if (event.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) continue;
    if (collects.has(Number(event.activityTaskCompletedEventAttributes?.scheduledEventId)))
      return tsToMs(event.eventTime);
  }
  throw new Error(`${workflowId}: no completed collectBatch in its history`);
}

/** Runs one run of `batches` chunks and measures each batch's lag. */
async function measure(
  stack: Embedded,
  client: Client,
  dir: string,
  opts: Options,
  mode: string,
  poll: string,
): Promise<BatchLag[]> {
  const runId = `bench-poll-lag-${mode}`;
  const specPath = join(dir, `${mode}.yaml`);
  writeFileSync(
    specPath,
    stringify({
      name: runId,
      input: 'tickets.jsonl',
      id: 'id',
      template: TICKET_TEMPLATE,
      output: { dir: `out-${mode}` },
      provider: 'simulator',
      model: 'gpt-4.1-mini',
      maxTokens: 50,
      mode: 'batch',
      chunkSize: ITEMS_PER_BATCH,
      poll: { initial: poll, max: poll },
      limits: { concurrentBatches: opts.batches },
      cache: { enabled: false },
    }),
  );
  const handle = await startRun(client, loadSpec(specPath), { taskQueue: stack.taskQueue, runId });
  const report = await handle.result();
  if (report.status !== 'completed' || report.succeeded !== opts.batches * ITEMS_PER_BATCH)
    throw new Error(`${mode}: the run ended ${report.status} with ${report.succeeded} results`);

  // Which batch each chunk submitted: the metadata llmbatch gives every batch.
  const openai = new OpenAI({ baseURL: `${stack.simulator.url}/v1`, apiKey: 'bench', maxRetries: 0 });
  const lags: BatchLag[] = [];
  for await (const batch of openai.batches.list({ limit: 100 })) {
    if (batch.metadata?.llmbatch_run !== runId) continue;
    const chunk = Number(batch.metadata.llmbatch_chunk);
    const timeline = stack.simulator.batchTimeline(batch.id);
    if (!timeline) throw new Error(`${mode}: batch ${batch.id} has not ended`);
    const collected = await collectedAtMs(client, chunkWorkflowId(runId, chunk, opts.batches));
    lags.push({
      chunk,
      lagMs: collected - timeline.endedAtMs,
      durationMs: timeline.endedAtMs - timeline.createdAtMs,
    });
  }
  if (lags.length !== opts.batches) throw new Error(`${mode}: found ${lags.length} of ${opts.batches} batches`);
  return lags;
}

function summary(lags: BatchLag[]) {
  const ms = lags.map((l) => l.lagMs).sort((a, b) => a - b);
  const share = lags.map((l) => l.lagMs / l.durationMs).sort((a, b) => a - b);
  const durations = lags.map((l) => l.durationMs).sort((a, b) => a - b);
  return {
    medianMs: quantile(ms, 0.5),
    p95Ms: quantile(ms, 0.95),
    medianShare: quantile(share, 0.5),
    p95Share: quantile(share, 0.95),
    medianDurationMs: quantile(durations, 0.5),
  };
}

export async function benchPollLag(args: string[]): Promise<void> {
  const opts = parseArgs(args);
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-bench-poll-lag-'));
  const profile = { batch: { validatingMs: VALIDATING_MS, completionMs: opts.completionMs } };
  let stack: Embedded | undefined;
  let connection: Connection | undefined;
  try {
    console.log(
      `poll-lag bench: ${opts.batches} batches of ${ITEMS_PER_BATCH} requests at once, each ${VALIDATING_MS} ms ` +
        `validating + ${opts.completionMs} ms in progress; webhooks (poll every ${WEBHOOK_MODE_POLL} as the fallback), ` +
        `then polling only (every ${opts.poll})`,
    );
    // The developer's own settings stay out (task queue, webhook port), but the codec's: the bench's
    // stack is its own, and its worker and client encrypt as llmbatch's do when a key is set.
    stack = await startEmbedded({
      stateDir: join(dir, 'state'),
      simulatorProfile: profile,
      config: loadConfig({ LLMBATCH_TASK_QUEUE: 'bench-poll-lag', LLMBATCH_LOG_LEVEL: 'WARN', ...codecEnv() }),
      log: () => undefined,
    });
    if (!stack.webhooks) throw new Error('the stack has no webhook endpoint');
    const tickets = Array.from({ length: opts.batches * ITEMS_PER_BATCH }, (_, i) =>
      JSON.stringify({ id: `t${i}`, subject: `Ticket ${i}`, body: `Order #${100000 + i} has not arrived yet.` }),
    );
    writeFileSync(join(dir, 'tickets.jsonl'), `${tickets.join('\n')}\n`);
    connection = await Connection.connect({ address: stack.temporal.address });
    const client = new Client({ connection, dataConverter: stack.dataConverter });

    console.log('with webhooks: running');
    const withHooks = await measure(stack, client, dir, opts, 'webhooks', WEBHOOK_MODE_POLL);
    const stats = stack.simulator.webhookStats();
    // The same simulator without webhooks: the chunks only poll.
    stack.simulator.setProfile(profile);
    console.log('polling only: running');
    const polling = await measure(stack, client, dir, opts, 'polling', opts.poll);

    const a = summary(withHooks);
    const b = summary(polling);
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const msText = (x: number) => `${Math.round(x)} ms`;
    console.log('');
    console.log(
      table([
        [
          'mode',
          'batches',
          'batch duration (median)',
          'lag median',
          'lag p95',
          'lag/duration median',
          'lag/duration p95',
        ],
        ...[
          [`webhooks (poll ${WEBHOOK_MODE_POLL})`, a],
          [`polling every ${opts.poll}`, b],
        ].map(([name, s]) => {
          const x = s as ReturnType<typeof summary>;
          return [
            name as string,
            String(opts.batches),
            msText(x.medianDurationMs),
            msText(x.medianMs),
            msText(x.p95Ms),
            pct(x.medianShare),
            pct(x.p95Share),
          ];
        }),
      ]),
    );
    console.log('');
    console.log(
      `webhooks: ${stats.delivered} delivered, ${stats.failedAttempts} failed attempts, ${stats.gaveUp} given up`,
    );
    const ok = a.medianShare <= 0.05;
    console.log(
      `acceptance (median lag with webhooks <= 5% of batch duration): ${ok ? 'met' : 'NOT MET'} (${pct(a.medianShare)})`,
    );
    if (!ok || stats.delivered < opts.batches) process.exitCode = 1;
  } finally {
    await connection?.close().catch(() => undefined);
    await stack?.stop().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
    rmSync(dir, { recursive: true, force: true });
  }
}
