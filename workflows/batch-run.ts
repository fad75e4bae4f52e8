// The parent of a run: plan -> a sliding window of chunk children -> finalize. It continues as
// new every so many chunks (or when Temporal suggests it) after draining its window, carrying
// only counters, so its history stays bounded however large the dataset.
//
// Every run ends, and ends accounted for (DESIGN.md rule 6): a chunk that fails for good has its
// unanswered items dead-lettered as `chunk_failed` and the run goes on; a run-wide fatal error (no
// provider configured, every input line rejected) stops new chunks, dead-letters what is left as
// `run_failed`, still writes every output file, and fails the run with the reason.
import {
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  executeChild,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
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
  type RunPhase,
  type RunProgress,
  type RunReport,
  type RunState,
  type RunWorkflowInput,
} from '../common';
import { alertProfile, ioProfile } from './activity-profiles';
import { chunkWorkflow } from './chunk';
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
import { chunkWaitingSignal } from './signals';

export const progressQuery = defineQuery<RunProgress>('progress');

const { claimRunId, planRun, finalizeRun, failChunk, failRemaining, tallyChunk } =
  proxyActivities<Activities>(ioProfile);
const { sendAlert } = proxyActivities<Activities>(alertProfile);

/** Failure types of a chunk that no other chunk can escape either: they stop the whole run. */
const RUN_FATAL = new Set(['ProviderConfig']);

export function chunkWorkflowId(runId: string, chunk: number): string {
  return `${runId}/chunk-${chunk}`;
}

export async function batchRunWorkflow(input: RunWorkflowInput): Promise<RunReport> {
  const { runId, spec } = input;
  const state: RunState = input.state ?? { startedAtMs: Date.now(), nextChunk: 0, chunksDone: 0, tally: EMPTY_TALLY };
  let phase: RunPhase = state.plan ? 'running' : 'planning';
  const running = new Set<number>();
  const waitingForAuth = new Map<number, string>();

  const shownPhase = (): RunPhase => (phase === 'running' && waitingForAuth.size > 0 ? 'waiting:auth' : phase);
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
    ...(state.fatal ? { fatal: state.fatal } : {}),
  });
  setHandler(progressQuery, progress);

  const publish = () => {
    upsertSearchAttributes([
      { key: LlmPhase, value: shownPhase() },
      { key: LlmItemsTotal, value: state.plan?.lines ?? 0 },
      { key: LlmItemsDone, value: state.tally.succeeded },
      { key: LlmItemsFailed, value: state.tally.deadLettered + (state.plan?.rejected ?? 0) },
      { key: LlmCostUsd, value: Math.round(state.tally.costUsd * 1e6) / 1e6 },
    ]);
    const p = progress();
    const waiting = waitingForAuth.size
      ? ` · **waiting for the API key** (${[...waitingForAuth.values()][0].slice(0, 200)})`
      : '';
    setCurrentDetails(
      `**${p.phase}** · chunks ${p.chunks.done}/${p.chunks.total} (${p.chunks.failed} failed) · requests answered ${p.succeeded}, failed ${p.deadLettered}` +
        ` · rejected lines ${p.rejected} · $${p.costUsd.toFixed(4)}${waiting}${state.fatal ? ` · **stopping: ${state.fatal}**` : ''}`,
    );
  };

  setHandler(chunkWaitingSignal, ({ chunk, waiting, reason }) => {
    if (waiting) waitingForAuth.set(chunk, reason);
    else waitingForAuth.delete(chunk);
    publish();
  });

  /** Alerts never hold the run: a few attempts, then a log line. */
  const alert = async (kind: Parameters<Activities['sendAlert']>[0]['kind'], message: string, details = {}) => {
    await sendAlert({ runId, kind, message, webhook: spec.alert?.webhook, details }).catch((error: unknown) =>
      log.warn('alert could not be delivered', { kind, error: String(error) }),
    );
  };

  if (!state.plan) {
    publish();
    await claimRunId({ runId, temporalRunId: workflowInfo().firstExecutionRunId });
    state.plan = await planRun({ runId, spec });
    log.info('planned', { ...state.plan });
    if (state.plan.lines > 0 && state.plan.accepted === 0) {
      state.fatal = `every one of the ${state.plan.lines} input lines was rejected; nothing was sent (see rejected.jsonl)`;
    }
  }
  const plan = state.plan;
  phase = 'running';
  publish();

  /** One chunk child; it never rejects: a chunk that fails for good has its items dead-lettered. */
  const runChunk = async (chunk: number) => {
    running.add(chunk);
    let outcome;
    try {
      outcome = await executeChild(chunkWorkflow, {
        workflowId: chunkWorkflowId(runId, chunk),
        args: [{ runId, chunk, spec }],
        staticSummary: `${runId} chunk ${chunk + 1}/${plan.chunks}`,
        typedSearchAttributes: [
          { key: LlmRunId, value: runId },
          { key: LlmProvider, value: spec.provider },
          { key: LlmModel, value: spec.model },
        ],
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      const message = rootMessage(error);
      state.chunksFailed = (state.chunksFailed ?? 0) + 1;
      log.warn('chunk failed for good; its unanswered items go to the dead letters', { chunk, error: message });
      if (RUN_FATAL.has(rootFailureType(error) ?? '')) state.fatal ??= message;
      try {
        const ended = await failChunk({ runId, chunk, error: message });
        outcome = await tallyChunk({ runId, chunk, batches: 0 });
        await alert('chunk-failed', `chunk ${chunk} failed for good (${message}); ${ended} items dead-lettered`, {
          chunk,
          deadLettered: ended,
        });
      } catch (recordError) {
        state.fatal ??= `chunk ${chunk} failed (${message}) and its items could not be recorded: ${rootMessage(recordError)}`;
      }
    } finally {
      running.delete(chunk);
      waitingForAuth.delete(chunk);
      state.chunksDone++;
    }
    if (outcome) state.tally = addTallies(state.tally, outcome);
    publish();
  };

  const window = Math.max(1, spec.limits.concurrentBatches);
  const budget = input.continueAsNewEvery ?? DEFAULT_CONTINUE_AS_NEW_EVERY;
  const children: Promise<void>[] = [];
  let startedHere = 0;
  while (
    state.nextChunk < plan.chunks &&
    !state.fatal &&
    startedHere < budget &&
    !workflowInfo().continueAsNewSuggested
  ) {
    await condition(() => running.size < window || state.fatal !== undefined);
    if (state.fatal) break;
    const chunk = state.nextChunk++;
    startedHere++;
    children.push(runChunk(chunk));
  }
  await Promise.all(children);

  if (!state.fatal && state.nextChunk < plan.chunks) {
    log.info('continuing as new', { nextChunk: state.nextChunk, chunks: plan.chunks });
    await continueAsNew<typeof batchRunWorkflow>({ ...input, state });
  }

  if (state.fatal) {
    log.error('the run stops', { reason: state.fatal });
    await failRemaining({ runId, kind: 'run_failed', error: state.fatal });
  }
  phase = 'finalizing';
  publish();
  const report = await finalizeRun({
    runId,
    spec,
    plan,
    startedAtMs: state.startedAtMs,
    status: state.fatal ? 'failed' : 'completed',
    error: state.fatal,
  });
  phase = state.fatal ? 'failed' : 'completed';
  publish();
  const rate = report.items > 0 ? report.deadLettered / report.items : 0;
  if (rate > spec.retry.deadLetterAlertRate) {
    // Stays as the run's phase so that `LlmPhase = "alert:dead-letters"` finds it in the Web UI.
    upsertSearchAttributes([{ key: LlmPhase, value: 'alert:dead-letters' }]);
    const message =
      `${report.deadLettered} of ${report.items} items (${(rate * 100).toFixed(1)}%) ended in the dead letters, ` +
      `over the ${(spec.retry.deadLetterAlertRate * 100).toFixed(1)}% alert rate; see ${report.files.deadLetter}`;
    await alert('dead-letter-rate', message, { deadLettered: report.deadLettered, items: report.items, rate });
  }
  if (state.fatal) {
    await alert('run-failed', `run ${runId} failed: ${state.fatal}`);
    throw ApplicationFailure.create({
      type: 'RunFailed',
      message: `${state.fatal}; outputs for what was done are in ${report.outputDir}`,
      nonRetryable: true,
      details: [report],
    });
  }
  return report;
}
