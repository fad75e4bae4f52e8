// The parent of a run: plan -> a sliding window of chunk children -> finalize. It continues as
// new every so many chunks (or when Temporal suggests it) WITHOUT draining its window, as in
// Temporal's batch-sliding-window sample: chunks are started with ParentClosePolicy ABANDON, so
// they outlive the run that started them; the new run inherits their numbers (state.inFlight),
// counts them in its window and learns of their end by the `chunkEnded` signal each chunk sends
// to its parent's workflow id (the newest run). It carries only counters and those numbers, so
// its history stays bounded however large the dataset. An inherited chunk terminated by an
// operator never signals: the run waits for it until cancelled (the cancel finds it closed and
// dead-letters its items), or until someone sends the parent `chunkEnded` with a failure for it
// (docs/how-it-works.md). The run id is the
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
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
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
  type ChunkEnd,
  type ChunkOutcome,
  type PlanSummary,
  type RunPhase,
  type RunProgress,
  type RunReport,
  type RunState,
  type RunWorkflowInput,
} from '../common';
import { alertProfile, bookkeepingProfile, ioProfile, planProfile } from './activity-profiles';
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
import {
  budgetSignal,
  chunkBudgetSignal,
  chunkEndedSignal,
  chunkWaitingSignal,
  finalizeSignal,
  pauseSignal,
  reportQuery,
  resumeSignal,
} from './signals';
import { progressQuery } from './progress';

export { progressQuery } from './progress';

const io = proxyActivities<Activities>(ioProfile);
const books = proxyLocalActivities<Activities>(bookkeepingProfile);
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

/**
 * The chunk started n-th: in a hybrid run the sync lane's chunks (plan numbers them last) start
 * first, so their items are answered at once rather than behind the batches.
 */
function chunkToStart(plan: PlanSummary, n: number): number {
  const sync = plan.syncChunks ?? 0;
  return n < sync ? plan.chunks - sync + n : n - sync;
}

// eslint-disable-next-line max-lines-per-function -- issue 27: written before the rule, to be split into named steps
export async function batchRunWorkflow(input: RunWorkflowInput): Promise<RunReport> {
  const runId = workflowInfo().workflowId;
  const spec = input.outputPerRun ? { ...input.spec, outputDir: `${input.spec.outputDir}/${runId}` } : input.spec;
  const state: RunState = input.state ?? { startedAtMs: Date.now(), nextChunk: 0, chunksDone: 0, tally: EMPTY_TALLY };
  let phase: RunPhase = state.plan ? 'running' : 'planning';
  /** The report, once finalize wrote it (read by the report query and publish). */
  const final: { report?: RunReport } = {};
  let cancelled = false;
  /**
   * Chunks in the window: a slot is taken before the child starts, and given back once the chunk's
   * end is counted. Those inherited from the run before are running (started) already.
   */
  const running = new Set<number>(state.inFlight ?? []);
  /** Chunks of the window whose workflow exists, so that signals can reach them. */
  const started = new Set<number>(state.inFlight ?? []);
  /** Chunks started by an earlier run of this workflow: no child handle here, no cancel by scope. */
  const inherited = new Set<number>(state.inFlight ?? []);
  /** Chunks whose end was heard (by signal or child result): a second word of the same end is ignored. */
  const ending = new Set<number>();
  /** Ends being recorded (a failed chunk's dead letters, a cancelled chunk's tally): waited for before continue-as-new. */
  const settling = new Set<Promise<void>>();
  const entries = (record?: Record<string, string>) =>
    Object.entries(record ?? {})
      .map(([chunk, reason]) => [Number(chunk), reason] as const)
      .filter(([chunk]) => running.has(chunk));
  const waitingForAuth = new Map<number, string>(entries(state.waitingForAuth));
  /** Chunks that wait for budget (their reservation did not fit a cap), with the reason. */
  const waitingForBudget = new Map<number, string>(entries(state.waitingForBudget));
  let downgradedTo: string | undefined = state.downgradedTo;
  const maxUsd = () => state.maxUsd ?? spec.budget?.maxUsd;
  /** Where finalize writes (`llmbatch finalize --output` may move it), why it last failed, and whether it was asked to try now. */
  const writeTo: { dir: string; problem?: string; asked: boolean } = { dir: spec.outputDir, asked: false };

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
    outputDir: writeTo.dir,
    ...(writeTo.problem && phase === 'finalize-failed' ? { finalizeProblem: writeTo.problem } : {}),
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
      `output \`${writeTo.dir}\``,
    ];
    if (p.phase === 'finalize-failed')
      lines.push(
        `**finalize failed**: ${(writeTo.problem ?? '').slice(0, 500)}; retried with backoff, or now with \`llmbatch finalize ${runId} [--output DIR]\``,
      );
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
  /** The chunk's workflow, whichever run started it (an inherited chunk has no child handle here). */
  const chunkHandle = (chunk: number) => getExternalWorkflowHandle(chunkWorkflowId(runId, chunk, state.plan?.chunks));
  const tell = (chunk: number, signal: typeof pauseSignal | typeof resumeSignal | typeof budgetSignal, args = {}) =>
    chunkHandle(chunk)
      .signal(signal as typeof budgetSignal, args)
      .catch((error: unknown) => log.warn('could not tell a chunk', { chunk, error: String(error) }));
  const tellChunks = (signal: typeof pauseSignal | typeof resumeSignal) => {
    for (const chunk of started) void tell(chunk, signal);
  };
  setHandler(budgetSignal, ({ maxUsd: cap }) => {
    state.maxUsd = cap;
    for (const chunk of started) void tell(chunk, budgetSignal, { maxUsd: cap });
    publish();
  });
  /** Budget alerts to send, from signal handlers (which cannot wait for an activity). */
  const budgetAlerts: { kind: 'budget-yellow' | 'budget-red'; message: string }[] = [...(state.budgetAlerts ?? [])];
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
  setHandler(finalizeSignal, ({ outputDir }) => {
    if (outputDir) writeTo.dir = outputDir;
    writeTo.asked = true;
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
    await books.claimRunId.executeWithOptions({ ...bookkeepingProfile, summary: 'claim the run id in the store' }, [
      { runId, temporalRunId: workflowInfo().firstExecutionRunId },
    ]);
    // Before anything is spent: a files queue that no worker takes the plan from fails the run, and says why.
    state.plan = await io.planRun
      .executeWithOptions(onFilesWorker({ ...planProfile, summary: `plan ${spec.inputPath}` }, input), [
        { runId, spec },
      ])
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

  /** Gives the chunk's slot back and counts what it did; from here on its end is history. */
  const countEnd = (chunk: number, outcome: ChunkOutcome | undefined) => {
    running.delete(chunk);
    started.delete(chunk);
    inherited.delete(chunk);
    waitingForAuth.delete(chunk);
    waitingForBudget.delete(chunk);
    state.chunksDone++;
    if (outcome) state.tally = addTallies(state.tally, outcome);
    // Its spend is settled now: chunks waiting for budget look again.
    for (const waiting of waitingForBudget.keys()) void tell(waiting, budgetSignal);
    publish();
  };

  /** A chunk that failed for good: its unanswered items go to the dead letters, and the run goes on. */
  const recordFailure = async (chunk: number, failure: NonNullable<ChunkEnd['failure']>) => {
    const { message } = failure;
    state.chunksFailed = (state.chunksFailed ?? 0) + 1;
    log.warn('chunk failed for good; its unanswered items go to the dead letters', { chunk, error: message });
    if (RUN_FATAL.has(failure.type ?? '')) state.fatal ??= message;
    try {
      const ended = await io.failChunk({ runId, chunk, error: message });
      const outcome = await tallyOf(chunk);
      await alert('chunk-failed', `chunk ${chunk} failed for good (${message}); ${ended} items dead-lettered`, {
        chunk,
        deadLettered: ended,
      });
      return outcome;
    } catch (recordError) {
      state.fatal ??= `chunk ${chunk} failed (${message}) and its items could not be recorded: ${rootMessage(recordError)}`;
      return undefined;
    }
  };

  /**
   * A chunk ended: heard by its signal or, for a chunk started by this run, by its child result,
   * whichever comes first; the other is ignored, as is the end of a chunk this run no longer holds
   * (counted by an earlier run). A completed chunk is counted at once, in the same workflow task
   * (so a continue-as-new in that task carries it); a failed or cancelled one once its items are
   * recorded, which continue-as-new waits for.
   */
  const chunkEnded = (end: ChunkEnd) => {
    const { chunk } = end;
    if (!running.has(chunk) || ending.has(chunk)) return;
    ending.add(chunk);
    if (end.outcome) return countEnd(chunk, end.outcome);
    const recording = CancellationScope.nonCancellable(async () => {
      if (end.cancelled) {
        // The chunk cancelled its batch and dead-lettered the rest; count what it kept.
        cancelled = true;
        countEnd(chunk, await tallyOf(chunk));
      } else {
        countEnd(chunk, await recordFailure(chunk, end.failure ?? { message: 'the chunk failed' }));
      }
    }).catch((error: unknown) => {
      // Its items stay pending in the store: failRemaining dead-letters them when the run ends.
      state.fatal ??= `chunk ${chunk} ended and could not be counted: ${rootMessage(error)}`;
      countEnd(chunk, undefined);
    });
    settling.add(recording);
    void recording.then(() => settling.delete(recording));
  };
  setHandler(chunkEndedSignal, chunkEnded);

  /** Starts one chunk child and reads its end; it never rejects (a failed chunk's items are dead-lettered). */
  const runChunk = async (chunk: number) => {
    running.add(chunk);
    const endOf = (error: unknown): ChunkEnd =>
      isCancellation(error)
        ? { chunk, cancelled: true }
        : { chunk, failure: { message: rootMessage(error), type: rootFailureType(error) } };
    let handle;
    try {
      handle = await startChild(chunkWorkflow, {
        workflowId: chunkWorkflowId(runId, chunk, plan.chunks),
        args: [{ runId, chunk, spec, maxUsd: maxUsd() }],
        // The chunk outlives this run when it continues as new; the next run inherits it.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `${runId} chunk ${chunk + 1}/${plan.chunks}`,
        typedSearchAttributes: [
          { key: LlmRunId, value: runId },
          { key: LlmProvider, value: spec.provider },
          { key: LlmModel, value: spec.model },
          { key: LlmPhase, value: 'submitting' },
        ],
      });
    } catch (error) {
      return chunkEnded(endOf(error));
    }
    started.add(chunk);
    // A pause that came while the child was starting: tell it now.
    if (state.paused) await tell(chunk, pauseSignal);
    publish();
    chunkEnded(await handle.result().then((outcome): ChunkEnd => ({ chunk, outcome }), endOf));
  };

  const window = Math.max(1, spec.limits.concurrentBatches);
  const budget = input.continueAsNewEvery ?? DEFAULT_CONTINUE_AS_NEW_EVERY;
  let startedHere = 0;
  /** The run itself was cancelled (not only one of its chunks, by an operator). */
  let runCancelled = false;
  /** More chunks to start after this run's share: this run continues as new, its window still full. */
  const continuing = () => !cancelled && !state.fatal && state.nextChunk < plan.chunks;
  // Budget alerts raised by chunk signals go out from here (a handler cannot wait for an activity).
  let windowOpen = true;
  const alerting = CancellationScope.nonCancellable(async () => {
    for (;;) {
      await condition(() => budgetAlerts.length > 0 || !windowOpen);
      // Continuing as new, what is left goes to the next run (state.budgetAlerts).
      if (budgetAlerts.length === 0 || (!windowOpen && continuing())) return;
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
      const chunk = chunkToStart(plan, state.nextChunk++);
      startedHere++;
      void runChunk(chunk);
    }
    // The last run waits for every chunk, inherited or its own; one that continues as new, only
    // for its children to exist (so the next run can signal them) and for ends being recorded.
    await condition(() =>
      continuing()
        ? settling.size === 0 && [...running].every((chunk) => started.has(chunk))
        : running.size === 0 && settling.size === 0,
    );
  } catch (error) {
    if (!isCancellation(error)) throw error;
    cancelled = runCancelled = true;
  }
  /**
   * Cancelled: this run's children are cancelled with its scope; the inherited ones are told here.
   * Each stops its batch, keeps what it answered, dead-letters the rest and signals its end, which
   * the run waits for before it writes the files.
   */
  const cancelWindow = async () => {
    phase = 'cancelling';
    publish();
    await CancellationScope.nonCancellable(async () => {
      for (const chunk of inherited) {
        const handle = chunkHandle(chunk);
        await handle
          .cancel()
          .catch((error: unknown) => log.warn('could not cancel a chunk', { chunk, error: String(error) }));
        // A cancel request to a closed workflow is accepted silently; a signal is refused. A chunk
        // that closed yet never told its end (its end signal comes before it closes) was
        // terminated: its items are dead-lettered rather than waited for for ever. The signal is
        // harmless to a chunk still running (a budget look it does not need while cancelling).
        await handle
          .signal(budgetSignal, {})
          .catch(() =>
            chunkEnded({ chunk, failure: { message: `chunk ${chunk} closed without telling the run (terminated?)` } }),
          );
      }
      await condition(() => running.size === 0 && settling.size === 0);
    });
  };
  if (runCancelled) await cancelWindow();
  windowOpen = false;
  await alerting;

  if (continuing()) {
    try {
      // Ends heard while the alerts went out. Nothing is awaited between this and continue-as-new:
      // a chunk's end that arrives meanwhile fails this workflow task, comes again in a new one,
      // and is counted in this run (or, if it needs recording, waited for here).
      await condition(() => settling.size === 0);
    } catch (error) {
      if (!isCancellation(error)) throw error;
      cancelled = true;
      await cancelWindow();
    }
  }
  if (continuing()) {
    const inFlight = [...running].sort((a, b) => a - b);
    log.info('continuing as new', { nextChunk: state.nextChunk, chunks: plan.chunks, inFlight });
    const carried = (waiting: Map<number, string>) => Object.fromEntries([...waiting].map(([c, r]) => [String(c), r]));
    await continueAsNew<typeof batchRunWorkflow>({
      ...input,
      state: {
        ...state,
        inFlight,
        waitingForAuth: carried(waitingForAuth),
        waitingForBudget: carried(waitingForBudget),
        downgradedTo,
        budgetAlerts: [...budgetAlerts],
      },
    });
  }

  // A cancel that came while the last alerts went out, with nothing left running: still a cancel.
  cancelled ||= CancellationScope.current().consideredCancelled;
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
        onFilesWorker({ ...ioProfile, summary: `write the files to ${writeTo.dir}` }, input, wait),
        [
          {
            runId,
            spec: writeTo.dir === spec.outputDir ? spec : { ...spec, outputDir: writeTo.dir },
            plan,
            startedAtMs: state.startedAtMs,
            status,
            error: state.fatal,
          },
        ],
      );
    const finalizeOnce = async () => {
      try {
        return await finalize('bounded');
      } catch (error) {
        if (!noFilesWorker(error)) throw error;
        // Every answer is paid for and in the store: failing now would lose the files, so the run
        // waits for the files worker as long as it takes, and says so (phase, alert, Web UI).
        phase = 'waiting:files';
        publish();
        await alert('files-worker-missing', noFilesWorkerMessage(input, 'the output files', writeTo.dir));
        return await finalize('unbounded');
      }
    };
    // The answers are paid for and stay in the store: an output that cannot be written (a folder
    // replaced by a file, a bucket gone, a database refusing) leaves the run waiting in phase
    // finalize-failed, tried again with backoff or at once by `llmbatch finalize`, never failed.
    for (let attempt = 0; ; attempt++) {
      try {
        return await finalizeOnce();
      } catch (error) {
        if (rootFailureType(error) !== 'OutputWriteFailed') throw error;
        writeTo.problem = rootMessage(error);
        phase = 'finalize-failed';
        publish();
        log.warn('finalize failed; the run waits', { problem: writeTo.problem, attempt });
        const backoff = Math.min((spec.retry.finalizeBackoffMs ?? 60_000) * 2 ** attempt, 30 * 60_000);
        await condition(() => writeTo.asked, backoff);
        writeTo.asked = false;
        phase = 'finalizing';
        publish();
      }
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
    // A run its budget refused before spending anything says so: the fix is a budget, not a bug hunt.
    // Same activity, other arguments: running histories replay unchanged.
    if (state.fatal && state.fatalKind === 'budget') {
      await alert('budget-refused', `run ${runId} was refused by its budget: ${state.fatal}`, {
        estimatedUsd: report.costUsd.estimated,
        maxUsd: state.maxUsd ?? spec.budget?.maxUsd,
      });
    } else if (state.fatal) await alert('run-failed', `run ${runId} failed: ${state.fatal}`);
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
