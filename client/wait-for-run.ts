// Following a run to its end, shared by `run --wait`, `wait` and `cancel`: progress through the
// progress query (a cli-progress bar when stdout is a terminal and not CI, otherwise a plain line
// every few seconds), a warning when no worker polls the run's task queue, Ctrl-C to detach, and
// how the run ended (its report, its status, the reason) for the exit code.
import { SingleBar, Presets } from 'cli-progress';
import {
  ApplicationFailure,
  CancelledFailure,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { rootMessage, type RunProgress, type RunReport } from '../common';
import { progressQuery, type batchRunWorkflow } from '../workflows';
import { reportQuery } from '../workflows/signals';
import { reportOnDisk } from './dead-letters';
import { processConfig } from '../workers/settings';
import { noFilesWorkerMessage } from './files-queue';
import { isUnreachable, Reachability, rideOut, WaitTimeout } from './ride-out';
import { PlanView, planProgress } from './plan-progress';

export type RunHandle = WorkflowHandle<typeof batchRunWorkflow>;

export interface WaitOptions {
  /** Show progress at all (off for --json). */
  show: boolean;
  intervalMs?: number;
  out?: NodeJS.WriteStream;
  /** Ctrl-C leaves the run going and ends this process with 130 (the CLI); off for the demo, which owns its server. */
  detachOnInterrupt?: boolean;
  /**
   * Warn once on stderr when no worker has polled the run's task queue for this long while the run
   * is open (the run waits for one); undefined: no check.
   */
  warnNoWorkerAfterMs?: number;
  /** The run's task queue, when the caller knows it (else read from the run's description). */
  taskQueue?: string;
  /** The run's files queue, if it has one: watched for a worker as well (its activities wait there). */
  filesQueue?: string;
  /** Temporal's address, named when it is unreachable (the wait rides that out). */
  address?: string;
  /** `--wait-timeout`: the wait ends (WaitTimeout) after this long, the run going on; none: never. */
  waitTimeout?: { ms: number; text: string };
  /** Tests shrink the backoff between attempts while Temporal is away. */
  retryFirstMs?: number;
}

/** How long `run --wait` and `wait` let a task queue go without a worker before they say so. */
export const NO_WORKER_WARNING_MS = 3000;

function describe(p: RunProgress): string {
  return `${p.phase}: chunks ${p.chunks.done}/${p.chunks.total}, answered ${p.succeeded}, failed ${p.deadLettered}, rejected ${p.rejected}, $${p.costUsd.toFixed(4)}`;
}

export function detachMessage(runId: string): string {
  return `detached: run ${runId} goes on; reattach with \`llmbatch wait ${runId}\``;
}

export function noWorkerMessage(taskQueue: string): string {
  return `no worker polls task queue "${taskQueue}"; start one with \`llmbatch worker\` (the run waits for it)`;
}

/** `work`, or `timeout()` thrown at `deadlineAt` if that comes first. */
function withDeadline<T>(work: Promise<T>, deadlineAt: number | undefined, timeout: () => Error): Promise<T> {
  if (deadlineAt === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), Math.max(0, deadlineAt - Date.now()));
    timer.unref();
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Resolves after `ms`, or at once when `stop` settles; never holds the process open. */
function nap(ms: number, stop: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void stop.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Looks at a task queue about once a second; one line on stderr (`message`) when no worker has
 * polled it for `afterMs` while `ended` is unsettled. Also used by `estimate`. `tasks`: the workers
 * looked for, those that take workflow tasks (any llmbatch worker) or activity tasks (a files queue,
 * which only a files worker polls).
 */
export async function warnWhileNoWorker(
  client: Pick<Client, 'workflowService'> & { options: { namespace: string } },
  taskQueueOf: () => Promise<string>,
  afterMs: number,
  message: (taskQueue: string) => string,
  ended: Promise<unknown>,
  tasks: 'workflow' | 'activity' = 'workflow',
): Promise<void> {
  const { TaskQueueType } = temporal.api.enums.v1;
  let done = false;
  void ended.finally(() => (done = true));
  let taskQueue: string | undefined;
  let emptySince: number | undefined;
  while (!done) {
    try {
      taskQueue ??= await taskQueueOf();
      const { pollers } = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType:
          tasks === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      if (pollers && pollers.length > 0) {
        emptySince = undefined;
      } else {
        emptySince ??= Date.now();
        if (Date.now() - emptySince >= afterMs && !done) {
          process.stderr.write(`${message(taskQueue)}\n`);
          return;
        }
      }
    } catch {
      // Temporal may be restarting; the caller's own loop or long poll copes with that, and so does this one.
    }
    await nap(Math.min(1000, afterMs), ended);
  }
}

/** The run's task queue: the one it was started on, else the one its description names. */
async function watchForWorkers(handle: RunHandle, options: WaitOptions, ended: Promise<unknown>): Promise<void> {
  const taskQueueOf = async () => options.taskQueue ?? (await handle.describe()).taskQueue;
  const afterMs = options.warnNoWorkerAfterMs!;
  const { filesQueue } = options;
  await Promise.all([
    warnWhileNoWorker(handle.client, taskQueueOf, afterMs, noWorkerMessage, ended),
    filesQueue &&
      warnWhileNoWorker(
        handle.client,
        () => Promise.resolve(filesQueue),
        afterMs,
        noFilesWorkerMessage,
        ended,
        'activity',
      ),
  ]);
}

export async function waitForRun(handle: RunHandle, options: WaitOptions): Promise<RunReport> {
  const out = options.out ?? process.stdout;
  const interactive = options.show && out.isTTY && !processConfig().ci;
  const bar = interactive
    ? new SingleBar(
        {
          format:
            ' {bar} {percentage}% | {value}/{total} requests | failed {failed} | chunks {chunks} | ${cost} | {phase}',
          hideCursor: true,
        },
        Presets.shades_classic,
      )
    : undefined;
  // Registered before the first await, so a Ctrl-C at any point of the wait detaches cleanly.
  const onInterrupt = () => {
    bar?.stop();
    process.stderr.write(`${detachMessage(handle.workflowId)}\n`);
    // A long poll for the result may be in flight: leave now rather than wait it out.
    process.exit(130);
  };
  if (options.detachOnInterrupt) process.on('SIGINT', onInterrupt);
  let started = false;
  let lastLine = 0;
  const planView = new PlanView(out, interactive);
  const reach = new Reachability(options.address ?? 'TEMPORAL_ADDRESS', (line) => process.stderr.write(`${line}\n`));
  const deadlineAt = options.waitTimeout ? Date.now() + options.waitTimeout.ms : undefined;
  // A server restart cuts the long poll for the result: it is asked again, as long as it takes.
  const result = withDeadline(
    rideOut(() => handle.result(), {
      reach,
      runId: handle.workflowId,
      deadlineAt,
      timeout: options.waitTimeout?.text,
      retryFirstMs: options.retryFirstMs,
    }),
    deadlineAt,
    () => new WaitTimeout(handle.workflowId, options.waitTimeout!.text),
  );
  let finished = false;
  const ended = result.then(
    () => (finished = true),
    () => (finished = true),
  );
  const watcher = options.warnNoWorkerAfterMs !== undefined ? watchForWorkers(handle, options, ended) : undefined;
  try {
    while (!finished) {
      try {
        const p = await handle.query(progressQuery);
        reach.found();
        if (p.phase === 'planning' && options.show) {
          planView.show(await planProgress(handle).catch(() => undefined));
          await nap(options.intervalMs ?? 500, ended);
          continue;
        }
        planView.end(p.items);
        const total = Math.max(1, p.items - p.rejected - p.duplicates);
        const payload = {
          failed: p.deadLettered,
          chunks: `${p.chunks.done}/${p.chunks.total}`,
          cost: p.costUsd.toFixed(4),
          phase: p.phase,
        };
        if (bar) {
          if (!started) bar.start(total, 0, payload);
          started = true;
          bar.setTotal(total);
          bar.update(p.succeeded + p.deadLettered, payload);
        } else if (options.show && Date.now() - lastLine > 5000) {
          out.write(`${describe(p)}\n`);
          lastLine = Date.now();
        }
      } catch (error) {
        // Temporal away: said once. A worker restarting: the run goes on in Temporal, so keep waiting.
        if (isUnreachable(error)) reach.lost();
      }
      await nap(options.intervalMs ?? 500, ended);
    }
    const report = await result;
    if (bar && started) {
      const last = await handle.query(progressQuery).catch(() => undefined);
      const chunks = last ? `${last.chunks.done}/${last.chunks.total}` : 'all';
      bar.update(report.succeeded + report.deadLettered - report.duplicates, { phase: 'completed', chunks });
    }
    return report;
  } finally {
    planView.stop();
    bar?.stop();
    await watcher;
    if (options.detachOnInterrupt) process.off('SIGINT', onInterrupt);
  }
}

function isReport(value: unknown): value is RunReport {
  return typeof value === 'object' && value !== null && 'runId' in value && 'files' in value;
}

/** The report a failed or cancelled run carries in its failure's details (the run wrote its files before ending). */
export function failedRunReport(error: unknown): RunReport | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    if (
      (current instanceof ApplicationFailure && current.type === 'RunFailed') ||
      current instanceof CancelledFailure
    ) {
      const report = current.details?.[0];
      return isReport(report) ? report : undefined;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** How a run ended: its status, its report when it wrote one, and why when it did not complete. */
export interface RunEnd {
  runId: string;
  status: 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed out';
  report?: RunReport;
  reason?: string;
}

/** Follows a run to its end (see waitForRun) and tells how it ended instead of throwing for a run that did not complete. */
export async function waitForEnd(handle: RunHandle, options: WaitOptions): Promise<RunEnd> {
  const runId = handle.workflowId;
  try {
    const report = await waitForRun(handle, options);
    return { runId, status: report.status ?? 'completed', report };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    const { cause } = error;
    if (cause instanceof CancelledFailure) {
      // The SDK sends a cancelled workflow's end without the failure's details: the report.json the
      // run wrote in its output folder, when this machine has it; else a worker answers the report by
      // query (a closed run's query replays its history; with no worker up it fails after a minute).
      const report =
        failedRunReport(error) ??
        (await reportOnDisk(handle.client, handle)) ??
        (await handle.query(reportQuery).catch(() => undefined));
      return { runId, status: 'cancelled', report, reason: cause.message };
    }
    if (cause instanceof TerminatedFailure) return { runId, status: 'terminated', reason: cause.message };
    if (cause instanceof TimeoutFailure) return { runId, status: 'timed out', reason: cause.message };
    return { runId, status: 'failed', report: failedRunReport(error), reason: rootMessage(error) };
  }
}

/** Prints how the run ended: the report (or, without one, its status), as text or one JSON object. */
export function printRunEnd(end: RunEnd, options: { json?: boolean; link: string }): void {
  if (end.report) {
    console.log(options.json ? JSON.stringify(end.report) : formatReport(end.report, options.link));
  } else if (options.json) {
    console.log(JSON.stringify({ runId: end.runId, status: end.status, error: end.reason }));
  }
}

/**
 * What `run --wait`, `wait` and `cancel` share: follow the run as a user at a terminal expects
 * (progress, Ctrl-C detaches, a word when no worker polls its queue), then print how it ended.
 */
export async function followToEnd(
  handle: RunHandle,
  options: {
    json?: boolean;
    link: string;
    taskQueue: string;
    filesQueue?: string;
    address?: string;
    waitTimeout?: { ms: number; text: string };
  },
): Promise<RunEnd> {
  const end = await waitForEnd(handle, {
    show: !options.json,
    detachOnInterrupt: true,
    warnNoWorkerAfterMs: NO_WORKER_WARNING_MS,
    taskQueue: options.taskQueue,
    filesQueue: options.filesQueue,
    address: options.address,
    waitTimeout: options.waitTimeout,
  });
  // A run that failed or was cancelled after planning still wrote its files: its report comes first.
  printRunEnd(end, { json: options.json, link: options.link });
  return end;
}

/** The one-line reason for a non-zero exit, or undefined when the run completed. */
export function endProblem(end: RunEnd): string | undefined {
  switch (end.status) {
    case 'completed':
      return undefined;
    case 'failed':
      return `run ${end.runId} failed: ${end.reason ?? 'unknown reason'}`;
    case 'cancelled':
      return `run ${end.runId} was cancelled${end.report ? '' : ' (no report to show: it was cancelled before planning ended, or no worker answered the report query)'}`;
    default:
      return `run ${end.runId} was ${end.status}${end.reason ? `: ${end.reason}` : ''}`;
  }
}

export function formatReport(report: RunReport, link: string): string {
  const usd = (n: number) => `$${n.toFixed(4)}`;
  const cost = report.costUsd;
  const unconfirmed = cost.unconfirmed
    ? `\n  unconfirmed  ${usd(cost.unconfirmed)} at most, for ${report.unconfirmedCalls ?? 0} sync calls whose answers were lost (a crash); they may have been billed`
    : '';
  // Reports written before a lever existed lack it.
  const written: Partial<RunReport['costUsd']['savings']> = cost.savings ?? {};
  const savings = { batch: 0, dedup: 0, cache: 0, routing: 0, promptCache: 0, ...written };
  const saved = savings.batch + savings.dedup + savings.cache + savings.routing + savings.promptCache;
  const levers = (['batch', 'dedup', 'cache', 'routing', 'promptCache'] as const)
    .filter((lever) => savings[lever] > 0)
    .map((lever) => `${lever === 'promptCache' ? 'prompt cache' : lever} ${usd(savings[lever])}`);
  const { cacheWrite = 0, cacheRead = 0 } = report.tokens;
  const promptCache = cacheWrite || cacheRead ? ` (prompt cache: ${cacheWrite} written, ${cacheRead} read)` : '';
  const confirmed = cost.confirmed === undefined ? '' : `, ${usd(cost.confirmed)} confirmed by the providers`;
  const sample = cost.sample
    ? `\n  sample       ${usd(cost.sample)} paid before the run by \`estimate --sample\` for ${report.sampleAnswers ?? 0} answers it reused`
    : '';
  const mismatch = cost.confirmedMismatch
    ? [
        `  CHECK BILL   the providers' usage comes to ${usd(cost.confirmed ?? 0)}, ${usd(cost.confirmedDifference ?? 0)} off what the answers' usage prices at (${(((cost.confirmedDifference ?? 0) / (cost.actual || 1)) * 100).toFixed(2)}%, over 0.5%): see byProvider in report.json`,
      ]
    : [];
  const range =
    (cost.estimatedRange ? `, range ${usd(cost.estimatedRange.min)} to ${usd(cost.estimatedRange.max)}` : '') +
    (cost.estimatedPreflight !== undefined
      ? `, as answered after failover; ${usd(cost.estimatedPreflight)} before`
      : '');
  const models = Object.entries(report.byModel ?? {});
  const byModel =
    models.length > 1 || (models.length === 1 && models[0][0] !== report.model)
      ? [`  by model     ${models.map(([m, t]) => `${m}: ${t.answers} answers ${usd(t.costUsd)}`).join('; ')}`]
      : [];
  const cached = report.cacheHits ? `, ${report.cacheHits} answered from the cache` : '';
  return [
    `run ${report.runId} ${report.status ?? 'completed'} in ${(report.durationMs / 1000).toFixed(1)} s${report.error ? `: ${report.error}` : ''}`,
    `  items ${report.items}: ${report.succeeded} results (${report.duplicates} duplicates${cached}), ${report.deadLettered} dead-lettered, ${report.rejected} rejected`,
    `  tokens ${report.tokens.input} in / ${report.tokens.output} out${promptCache} in ${report.batches} batches`,
    `  cost ${usd(cost.actual)} billed${confirmed} (estimated ${usd(cost.estimated)}${range})${unconfirmed}${sample}`,
    ...mismatch,
    `  saved ${usd(saved)} against ${usd(cost.naiveSync ?? cost.syncEquivalent)} for every line through sync calls${levers.length ? `: ${levers.join(', ')}` : ''}`,
    ...byModel,
    `  results      ${report.files.results}`,
    `  dead letters ${report.files.deadLetter}`,
    `  rejected     ${report.files.rejected}`,
    `  report       ${report.files.report}`,
    ...(report.files.reportPage ? [`  report page  ${report.files.reportPage}`] : []),
    `  Web UI       ${link}`,
  ].join('\n');
}
