// The parent of a run: plan -> a sliding window of chunk children -> finalize. It continues as
// new every so many chunks (or when Temporal suggests it) after draining its window, carrying
// only counters, so its history stays bounded however large the dataset.
import {
  condition,
  continueAsNew,
  defineQuery,
  executeChild,
  log,
  patched,
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
  type RunPhase,
  type RunProgress,
  type RunReport,
  type RunState,
  type RunWorkflowInput,
} from '../common';
import { ioProfile } from './activity-profiles';
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

export const progressQuery = defineQuery<RunProgress>('progress');

const { planRun, finalizeRun, sendAlert } = proxyActivities<Activities>(ioProfile);

/** The dead-letter alert arrived after runs were already recorded. */
export const DEAD_LETTER_ALERT_PATCH = 'dead-letter-alert';

export function chunkWorkflowId(runId: string, chunk: number): string {
  return `${runId}/chunk-${chunk}`;
}

export async function batchRunWorkflow(input: RunWorkflowInput): Promise<RunReport> {
  const { runId, spec } = input;
  const state: RunState = input.state ?? { startedAtMs: Date.now(), nextChunk: 0, chunksDone: 0, tally: EMPTY_TALLY };
  let phase: RunPhase = state.plan ? 'running' : 'planning';
  const running = new Set<number>();

  const progress = (): RunProgress => ({
    runId,
    phase,
    items: state.plan?.lines ?? 0,
    // Duplicates ride along with their first occurrence until finalize counts them.
    succeeded: state.tally.succeeded,
    deadLettered: state.tally.deadLettered,
    rejected: state.plan?.rejected ?? 0,
    duplicates: state.plan?.duplicates ?? 0,
    costUsd: state.tally.costUsd,
    chunks: { total: state.plan?.chunks ?? 0, done: state.chunksDone, running: [...running].sort((a, b) => a - b) },
  });
  setHandler(progressQuery, progress);

  const publish = () => {
    upsertSearchAttributes([
      { key: LlmPhase, value: phase },
      { key: LlmItemsTotal, value: state.plan?.lines ?? 0 },
      { key: LlmItemsDone, value: state.tally.succeeded },
      { key: LlmItemsFailed, value: state.tally.deadLettered + (state.plan?.rejected ?? 0) },
      { key: LlmCostUsd, value: Math.round(state.tally.costUsd * 1e6) / 1e6 },
    ]);
    const p = progress();
    setCurrentDetails(
      `**${phase}** · chunks ${p.chunks.done}/${p.chunks.total} · requests answered ${p.succeeded}, failed ${p.deadLettered}` +
        ` · rejected lines ${p.rejected} · $${p.costUsd.toFixed(4)}`,
    );
  };

  if (!state.plan) {
    publish();
    state.plan = await planRun({ runId, spec });
    log.info('planned', { ...state.plan });
  }
  const plan = state.plan;
  phase = 'running';
  publish();

  const window = Math.max(1, spec.limits.concurrentBatches);
  const budget = input.continueAsNewEvery ?? DEFAULT_CONTINUE_AS_NEW_EVERY;
  const children: Promise<void>[] = [];
  let startedHere = 0;
  while (state.nextChunk < plan.chunks && startedHere < budget && !workflowInfo().continueAsNewSuggested) {
    await condition(() => running.size < window);
    const chunk = state.nextChunk++;
    startedHere++;
    running.add(chunk);
    children.push(
      executeChild(chunkWorkflow, {
        workflowId: chunkWorkflowId(runId, chunk),
        args: [{ runId, chunk, spec }],
        staticSummary: `${runId} chunk ${chunk + 1}/${plan.chunks}`,
        typedSearchAttributes: [
          { key: LlmRunId, value: runId },
          { key: LlmProvider, value: spec.provider },
          { key: LlmModel, value: spec.model },
        ],
      }).then((outcome) => {
        running.delete(chunk);
        state.chunksDone++;
        state.tally = addTallies(state.tally, outcome);
        publish();
      }),
    );
  }
  await Promise.all(children);

  if (state.nextChunk < plan.chunks) {
    log.info('continuing as new', { nextChunk: state.nextChunk, chunks: plan.chunks });
    await continueAsNew<typeof batchRunWorkflow>({ ...input, state });
  }

  phase = 'finalizing';
  publish();
  const report = await finalizeRun({ runId, spec, plan, startedAtMs: state.startedAtMs });
  phase = 'completed';
  publish();
  if (patched(DEAD_LETTER_ALERT_PATCH)) {
    const rate = report.items > 0 ? report.deadLettered / report.items : 0;
    if (rate > spec.retry.deadLetterAlertRate) {
      // Stays as the run's phase so that `LlmPhase = "alert:dead-letters"` finds it in the Web UI.
      upsertSearchAttributes([{ key: LlmPhase, value: 'alert:dead-letters' }]);
      const message =
        `${report.deadLettered} of ${report.items} items (${(rate * 100).toFixed(1)}%) ended in the dead letters, ` +
        `over the ${(spec.retry.deadLetterAlertRate * 100).toFixed(1)}% alert rate; see ${report.files.deadLetter}`;
      await sendAlert({
        runId,
        kind: 'dead-letter-rate',
        message,
        webhook: spec.alert?.webhook,
        details: { deadLettered: report.deadLettered, items: report.items, rate },
      }).catch((error: unknown) => log.warn('alert could not be delivered', { error: String(error) }));
    }
  }
  return report;
}
