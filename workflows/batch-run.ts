// The parent of a run: plan -> a sliding window of chunk children -> finalize. It continues as
// new every so many chunks (or when Temporal suggests it) after draining its window, carrying
// only counters, so its history stays bounded however large the dataset. The run id is the
// workflow id, read here, so a Schedule or `temporal workflow start` starts a proper run.
//
// Every run ends, and ends accounted for (DESIGN.md rule 6): a chunk that fails for good has its
// unanswered items dead-lettered as `chunk_failed` and the run goes on; a run-wide fatal error (no
// provider configured, every input line rejected) stops new chunks, dead-letters what is left as
// `run_failed`, still writes every output file, and fails the run with the reason. A cancel (the
// CLI's or the Web UI's) cancels the chunks' provider batches, keeps what they answered, writes
// every file with the rest dead-lettered as `cancelled`, and ends the run as cancelled. A pause
// starts nothing new until resume.
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  type ChildWorkflowHandle,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  DEFAULT_CONTINUE_AS_NEW_EVERY,
  EMPTY_TALLY,
  addTallies,
  rootFailureType,
  rootMessage,
  type ChunkOutcome,
  type RunPhase,
  type RunProgress,
  type RunReport,
  type RunState,
  type RunWorkflowInput,
} from '../common';
import { alertProfile, ioProfile } from './activity-profiles';
import { chunkWorkflow } from './chunk';
import { filesWorkerMissing, noFilesWorker, noFilesWorkerMessage, onFilesWorker } from './files-queue';
import {
  LlmCostUsd,
  LlmItemsDone,
  LlmItemsFailed,
  LlmItemsTotal,
  LlmModel,
  LlmPhase,
  LlmProvider,
  LlmRunId,
} from './search-attributes';
import { budgetSignal, chunkBudgetSignal, chunkWaitingSignal, pauseSignal, reportQuery, resumeSignal } from './signals';
import { progressQuery } from './progress';

export { progressQuery } from './progress';

const io = proxyActivities<Activities>(ioProfile);
const { sendAlert } = proxyActivities<Activities>(alertProfile);

/** Failure types of a chunk that no other chunk can escape either: they stop the whole run. */
const RUN_FATAL = new Set(['ProviderConfig']);

/**
 * The Web UI renders details as markdown with math: two `$` in a paragraph become a formula
 * ("$0.0100 would be exceeded: $0.0093" lost its dollars). Escaped outside code spans.
 */
export function escapeDollars(markdown: string): string {
  return markdown
    .split('`')
    .map((part, i) => (i % 2 === 0 ? part.replace(/\$/g, '\\$') : part))
    .join('`');
}

/** `RUN/chunk-007`: zero-padded to the run's chunk count (three digits at least), so ids sort. */
export function chunkWorkflowId(runId: string, chunk: number, chunks = 0): string {
  const width = Math.max(3, String(Math.max(0, chunks - 1)).length);
  return `${runId}/chunk-${String(chunk).padStart(width, '0')}`;
}

export async function batchRunWorkflow(input: RunWorkflowInput): Promise<RunReport> {
  const runId = workflowInfo().workflowId;
  const spec = input.outputPerRun ? { ...input.spec, outputDir: `${input.spec.outputDir}/${runId}` } : input.spec;
  const state: RunState = input.state ?? { startedAtMs: Date.now(), nextChunk: 0, chunksDone: 0, tally: EMPTY_TALLY };
  let phase: RunPhase = state.plan ? 'running' : 'planning';
  /** The report, once finalize wrote it (read by the report query and publish). */
  const final: { report?: RunReport } = {};
  let cancelled = false;
  /** Chunks in the window (a slot is taken before the child starts) and their handles, once started. */
  const running = new Set<number>();
  const handles = new Map<number, ChildWorkflowHandle<typeof chunkWorkflow>>();
  const waitingForAuth = new Map<number, string>();
  /** Chunks that wait for budget (their reservation did not fit a cap), with the reason. */
  const waitingForBudget = new Map<number, string>();
  let downgradedTo: string | undefined;
  const maxUsd = () => state.maxUsd ?? spec.budget?.maxUsd;

  const shownPhase = (): RunPhase => {
    if (phase !== 'running') return phase;
    if (state.paused) return 'paused';
    if (waitingForBudget.size > 0) return 'paused:budget';
    return waitingForAuth.size > 0 ? 'waiting:auth' : phase;
  };
  const progress = (): RunProgress => ({
    runId,
    phase: shownPhase(),
    items: state.plan?.lines ?? 0,
    // Duplicates ride along with their first occurrence until finalize counts them.
    succeeded: state.tally.succeeded,
    deadLettered: state.tally.deadLettered,
    rejected: state.plan?.rejected ?? 0,
    duplicates: state.plan?.duplicates ?? 0,
    costUsd: state.tally.costUsd,
    chunks: {
      total: state.plan?.chunks ?? 0,
      done: state.chunksDone,
      failed: state.chunksFailed ?? 0,
      running: [...running].sort((a, b) => a - b),
      waitingForAuth: [...waitingForAuth.keys()].sort((a, b) => a - b),
    },
    paused: state.paused ?? false,
    outputDir: spec.outputDir,
    ...(input.filesQueue ? { filesQueue: input.filesQueue } : {}),
    ...(state.fatal ? { fatal: state.fatal } : {}),
    ...(spec.budget || state.maxUsd !== undefined
      ? {
          budget: {
            ...(maxUsd() !== undefined ? { maxUsd: maxUsd() } : {}),
            ...(spec.budget?.dailyUsd !== undefined ? { dailyUsd: spec.budget.dailyUsd } : {}),
            ...(spec.budget?.monthlyUsd !== undefined ? { monthlyUsd: spec.budget.monthlyUsd } : {}),
            waiting: [...waitingForBudget.keys()].sort((a, b) => a - b),
            ...(waitingForBudget.size ? { reason: [...waitingForBudget.values()][0] } : {}),
            ...(downgradedTo ? { downgradedTo } : {}),
          },
        }
      : {}),
  });
  setHandler(progressQuery, progress);
  setHandler(reportQuery, () => final.report);

  /** The Web UI's view: search attributes and current details, true at every phase. */
  const publish = () => {
    const p = progress();
    // Once the report exists its counts are the truth (duplicates and cache hits included).
    const { report } = final;
    const done = report ? report.succeeded : p.succeeded;
    const failed = report ? report.deadLettered + report.rejected : p.deadLettered + p.rejected;
    const cost = report ? report.costUsd.actual : p.costUsd;
    upsertSearchAttributes([
      // Set here too: a Schedule's runs get their ids from Temporal, after the schedule was made.
      { key: LlmRunId, value: runId },
      { key: LlmProvider, value: spec.provider },
      { key: LlmModel, value: spec.model },
      { key: LlmPhase, value: p.phase },
      { key: LlmItemsTotal, value: p.items },
      { key: LlmItemsDone, value: done },
      { key: LlmItemsFailed, value: failed },
      { key: LlmCostUsd, value: Math.round(cost * 1e6) / 1e6 },
    ]);
    // Counts first: the Web UI sizes this panel a little short and may hide its last line.
    const lines = [
      `**${p.phase}** · items ${p.items}: answered ${done}, failed ${failed} (rejected lines ${p.rejected}), duplicates ${p.duplicates} · $${cost.toFixed(4)}`,
      `chunks ${p.chunks.done} of ${p.chunks.total} done (${p.chunks.failed} failed), ${p.chunks.running.length} running · ${spec.provider}/${spec.model} ${spec.mode}`,
      `output \`${spec.outputDir}\``,
    ];
    if (waitingForAuth.size)
      lines.push(`**waiting for the API key**: ${[...waitingForAuth.values()][0].slice(0, 300)}`);
    if (waitingForBudget.size)
      lines.push(
        `**out of budget**: ${[...waitingForBudget.values()][0].slice(0, 300)}; raise it with \`llmbatch budget ${runId} --max-usd N\` or cancel`,
      );
    else if (downgradedTo) lines.push(`**budget yellow**: the rest of the run goes to ${downgradedTo}`);
    if (state.fatal) lines.push(`**stopping**: ${state.fatal.slice(0, 500)}`);
    if (p.phase === 'waiting:files')
      lines.push(
        `**waiting for the files worker**: ${noFilesWorkerMessage(input, 'the output files', spec.outputDir)}`,
      );
    // Last, what may be cut off without loss: the run id is in the page's heading anyway.
    lines.push(`run \`${runId}\``);
    setCurrentDetails(lines.map(escapeDollars).join('\n\n'));
  };

  setHandler(chunkWaitingSignal, ({ chunk, waiting, reason }) => {
    if (waiting) waitingForAuth.set(chunk, reason);
    else waitingForAuth.delete(chunk);
    publish();
  });
  const tellChunks = (signal: typeof pauseSignal | typeof resumeSignal) => {
    for (const [chunk, handle] of handles) {
      handle
        .signal(signal)
        .catch((error: unknown) => log.warn('could not tell a chunk', { chunk, error: String(error) }));
    }
  };
  setHandler(budgetSignal, ({ maxUsd: cap }) => {
    state.maxUsd = cap;
    for (const [chunk, handle] of handles) {
      handle
        .signal(budgetSignal, { maxUsd: cap })
        .catch((error: unknown) => log.warn('could not tell a chunk', { chunk, error: String(error) }));
    }
    publish();
  });
  /** Budget alerts to send, from signal handlers (which cannot wait for an activity). */
  const budgetAlerts: { kind: 'budget-yellow' | 'budget-red'; message: string }[] = [];
  setHandler(chunkBudgetSignal, ({ chunk, zone, message }) => {
    if (zone === 'red') {
      if (waitingForBudget.size === 0)
        budgetAlerts.push({ kind: 'budget-red', message: `run ${runId} stops submitting: ${message}` });
      waitingForBudget.set(chunk, message);
    } else {
      waitingForBudget.delete(chunk);
    }
    if (zone === 'yellow' && !state.alerted?.yellow) {
      state.alerted = { ...state.alerted, yellow: true };
      budgetAlerts.push({ kind: 'budget-yellow', message: `run ${runId}: ${message}` });
    }
    if (zone === 'yellow' && spec.downgradeTo) downgradedTo = spec.downgradeTo;
    publish();
  });
  setHandler(pauseSignal, () => {
    state.paused = true;
    tellChunks(pauseSignal);
    publish();
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
    tellChunks(resumeSignal);
    publish();
  });

  /** Alerts never hold the run: a few attempts, then a log line. */
  const alert = async (kind: Parameters<Activities['sendAlert']>[0]['kind'], message: string, details = {}) => {
    await sendAlert
      .executeWithOptions({ ...alertProfile, summary: `alert ${kind}` }, [
        { runId, kind, message, webhook: spec.alert?.webhook, details },
      ])
      .catch((error: unknown) => log.warn('alert could not be delivered', { kind, error: String(error) }));
  };

  if (!state.plan) {
    publish();
    await io.claimRunId.executeWithOptions({ ...ioProfile, summary: 'claim the run id in the store' }, [
      { runId, temporalRunId: workflowInfo().firstExecutionRunId },
    ]);
    // Before anything is spent: a files queue that no worker takes the plan from fails the run, and says why.
    state.plan = await io.planRun
      .executeWithOptions(onFilesWorker({ ...ioProfile, summary: `plan ${spec.inputPath}` }, input), [{ runId, spec }])
      .catch((error: unknown) => {
        throw noFilesWorker(error) ? filesWorkerMissing(input, 'the plan', spec.inputPath) : error;
      });
    log.info('planned', { ...state.plan });
    if (state.plan.lines > 0 && state.plan.accepted === 0) {
      state.fatal = `every one of the ${state.plan.lines} input lines was rejected; nothing was sent (see rejected.jsonl)`;
    } else if (spec.budget) {
      const refused = await io.checkBudget.executeWithOptions(
        { ...ioProfile, summary: `check the estimate against the budget` },
        [{ runId, spec, estimateUsd: state.plan.estimatedUsd.likely, maxUsd: state.maxUsd }],
      );
      if (refused) {
        state.fatal = refused;
        state.fatalKind = 'budget';
      }
    }
  }
  const plan = state.plan;
  phase = 'running';
  publish();

  /** What a chunk that did not complete still counts (read from the store). */
  const tallyOf = (chunk: number) =>
    CancellationScope.nonCancellable(() =>
      io.tallyChunk.executeWithOptions({ ...ioProfile, summary: `tally chunk ${chunk}` }, [
        { runId, chunk, batches: 0 },
      ]),
    );

  /** One chunk child; it never rejects: a chunk that fails for good has its items dead-lettered. */
  const runChunk = async (chunk: number) => {
    let outcome: ChunkOutcome | undefined;
    running.add(chunk);
    try {
      const handle = await startChild(chunkWorkflow, {
        workflowId: chunkWorkflowId(runId, chunk, plan.chunks),
        args: [{ runId, chunk, spec, maxUsd: maxUsd() }],
        staticSummary: `${runId} chunk ${chunk + 1}/${plan.chunks}`,
        typedSearchAttributes: [
          { key: LlmRunId, value: runId },
          { key: LlmProvider, value: spec.provider },
          { key: LlmModel, value: spec.model },
          { key: LlmPhase, value: 'submitting' },
        ],
      });
      handles.set(chunk, handle);
      // A pause that came while the child was starting: tell it now.
      if (state.paused) await handle.signal(pauseSignal);
      publish();
      outcome = await handle.result();
    } catch (error) {
      if (isCancellation(error)) {
        // The chunk cancelled its batch and dead-lettered the rest; count what it kept.
        cancelled = true;
        outcome = await tallyOf(chunk);
      } else {
        const message = rootMessage(error);
        state.chunksFailed = (state.chunksFailed ?? 0) + 1;
        log.warn('chunk failed for good; its unanswered items go to the dead letters', { chunk, error: message });
        if (RUN_FATAL.has(rootFailureType(error) ?? '')) state.fatal ??= message;
        try {
          const ended = await io.failChunk({ runId, chunk, error: message });
          outcome = await tallyOf(chunk);
          await alert('chunk-failed', `chunk ${chunk} failed for good (${message}); ${ended} items dead-lettered`, {
            chunk,
            deadLettered: ended,
          });
        } catch (recordError) {
          state.fatal ??= `chunk ${chunk} failed (${message}) and its items could not be recorded: ${rootMessage(recordError)}`;
        }
      }
    } finally {
      running.delete(chunk);
      handles.delete(chunk);
      waitingForAuth.delete(chunk);
      waitingForBudget.delete(chunk);
      state.chunksDone++;
      // Its spend is settled now: chunks waiting for budget look again.
      for (const waiting of waitingForBudget.keys()) {
        handles
          .get(waiting)
          ?.signal(budgetSignal, {})
          .catch((error: unknown) => log.warn('could not tell a chunk', { chunk: waiting, error: String(error) }));
      }
    }
    if (outcome) state.tally = addTallies(state.tally, outcome);
    publish();
  };

  const window = Math.max(1, spec.limits.concurrentBatches);
  const budget = input.continueAsNewEvery ?? DEFAULT_CONTINUE_AS_NEW_EVERY;
  const children: Promise<void>[] = [];
  let startedHere = 0;
  // Budget alerts raised by chunk signals go out from here (a handler cannot wait for an activity).
  let windowOpen = true;
  const alerting = CancellationScope.nonCancellable(async () => {
    for (;;) {
      await condition(() => budgetAlerts.length > 0 || !windowOpen);
      if (budgetAlerts.length === 0) return;
      const { kind, message } = budgetAlerts.shift()!;
      await alert(kind, message);
    }
  });
  try {
    while (
      state.nextChunk < plan.chunks &&
      !state.fatal &&
      startedHere < budget &&
      !workflowInfo().continueAsNewSuggested
    ) {
      // Out of budget, nothing new starts: the chunks in flight finish what they submitted.
      await condition(
        () => (running.size < window && !state.paused && waitingForBudget.size === 0) || state.fatal !== undefined,
      );
      if (state.fatal) break;
      const chunk = state.nextChunk++;
      startedHere++;
      children.push(runChunk(chunk));
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    cancelled = true;
  }
  if (cancelled) {
    phase = 'cancelling';
    publish();
  }
  // Children never reject; on a cancel each one stops its batch and keeps what it answered first.
  await CancellationScope.nonCancellable(() => Promise.all(children));
  cancelled ||= CancellationScope.current().consideredCancelled;
  windowOpen = false;
  await alerting;

  if (!cancelled && !state.fatal && state.nextChunk < plan.chunks) {
    log.info('continuing as new', { nextChunk: state.nextChunk, chunks: plan.chunks });
    await continueAsNew<typeof batchRunWorkflow>({ ...input, state });
  }

  const status = cancelled ? 'cancelled' : state.fatal ? 'failed' : 'completed';
  const report = await CancellationScope.nonCancellable(async () => {
    if (status !== 'completed') {
      const kind = cancelled ? 'cancelled' : (state.fatalKind ?? 'run_failed');
      const why = cancelled ? 'the run was cancelled' : state.fatal!;
      await io.failRemaining.executeWithOptions({ ...ioProfile, summary: `dead-letter what is left (${kind})` }, [
        { runId, kind, error: why },
      ]);
    }
    phase = 'finalizing';
    publish();
    const finalize = (wait: 'bounded' | 'unbounded') =>
      io.finalizeRun.executeWithOptions(
        onFilesWorker({ ...ioProfile, summary: `write the files to ${spec.outputDir}` }, input, wait),
        [{ runId, spec, plan, startedAtMs: state.startedAtMs, status, error: state.fatal }],
      );
    try {
      return await finalize('bounded');
    } catch (error) {
      if (!noFilesWorker(error)) throw error;
      // Every answer is paid for and in the store: failing now would lose the files, so the run
      // waits for the files worker as long as it takes, and says so (phase, alert, Web UI).
      phase = 'waiting:files';
      publish();
      await alert('files-worker-missing', noFilesWorkerMessage(input, 'the output files', spec.outputDir));
      return await finalize('unbounded');
    }
  });
  final.report = report;
  phase = status;
  publish();

  await CancellationScope.nonCancellable(async () => {
    const rate = report.items > 0 ? report.deadLettered / report.items : 0;
    if (status === 'completed' && rate > spec.retry.deadLetterAlertRate) {
      // Stays as the run's phase so that `LlmPhase = "alert:dead-letters"` finds it in the Web UI.
      upsertSearchAttributes([{ key: LlmPhase, value: 'alert:dead-letters' }]);
      const message =
        `${report.deadLettered} of ${report.items} items (${(rate * 100).toFixed(1)}%) ended in the dead letters, ` +
        `over the ${(spec.retry.deadLetterAlertRate * 100).toFixed(1)}% alert rate; see ${report.files.deadLetter}`;
      await alert('dead-letter-rate', message, { deadLettered: report.deadLettered, items: report.items, rate });
    }
    if (state.fatal) await alert('run-failed', `run ${runId} failed: ${state.fatal}`);
  });
  if (cancelled) {
    // Ends as Canceled in Temporal (what the Web UI shows); the report stays readable by query.
    throw new CancelledFailure(`run ${runId} was cancelled; outputs for what was done are in ${report.outputDir}`, [
      report,
    ]);
  }
  if (state.fatal) {
    throw ApplicationFailure.create({
      type: 'RunFailed',
      message: `${state.fatal}; outputs for what was done are in ${report.outputDir}`,
      nonRetryable: true,
      details: [report],
    });
  }
  return report;
}
