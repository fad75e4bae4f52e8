// What the run shows of itself: the progress query's answer, and the Web UI's view (search
// attributes and current details), true at every phase.
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { RunPhase, RunProgress } from '../../common';
import { noFilesWorkerMessage } from '../files-queue';
import {
  LlmCostUsd,
  LlmItemsDone,
  LlmItemsFailed,
  LlmItemsTotal,
  LlmModel,
  LlmPhase,
  LlmProvider,
  LlmRunId,
} from '../search-attributes';
import { maxUsdOf, type Run } from './run';

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

/** The phase a user reads: running, or what the running run waits for. */
function shownPhase(run: Run): RunPhase {
  const { phase, state, waitingForAuth, waitingForBudget } = run;
  if (phase !== 'running') return phase;
  if (state.paused) return 'paused';
  if (waitingForBudget.size > 0) return 'paused:budget';
  return waitingForAuth.size > 0 ? 'waiting:auth' : phase;
}

/** The spec's caps (maxUsd as `llmbatch budget` left it) and what waits for budget. */
function budgetOf(run: Run): RunProgress['budget'] {
  const { spec, waitingForBudget, downgradedTo } = run;
  const maxUsd = maxUsdOf(run);
  return {
    ...(maxUsd !== undefined ? { maxUsd } : {}),
    ...(spec.budget?.dailyUsd !== undefined ? { dailyUsd: spec.budget.dailyUsd } : {}),
    ...(spec.budget?.monthlyUsd !== undefined ? { monthlyUsd: spec.budget.monthlyUsd } : {}),
    waiting: [...waitingForBudget.keys()].sort((a, b) => a - b),
    ...(waitingForBudget.size ? { reason: [...waitingForBudget.values()][0] } : {}),
    ...(downgradedTo ? { downgradedTo } : {}),
  };
}

/** The progress query's answer. */
export function progressOf(run: Run): RunProgress {
  const { input, spec, state, writeTo } = run;
  return {
    runId: run.runId,
    phase: shownPhase(run),
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
      running: [...run.chunks.running].sort((a, b) => a - b),
      waitingForAuth: [...run.waitingForAuth.keys()].sort((a, b) => a - b),
    },
    paused: state.paused ?? false,
    outputDir: writeTo.dir,
    ...(writeTo.problem && run.phase === 'finalize-failed' ? { finalizeProblem: writeTo.problem } : {}),
    ...(input.filesQueue ? { filesQueue: input.filesQueue } : {}),
    ...(state.fatal ? { fatal: state.fatal } : {}),
    ...(spec.budget || state.maxUsd !== undefined ? { budget: budgetOf(run) } : {}),
  };
}

/** The Web UI's view: search attributes and current details, true at every phase. */
export function publish(run: Run): void {
  const { runId, spec, state, writeTo, waitingForAuth, waitingForBudget, downgradedTo } = run;
  const p = progressOf(run);
  // Once the report exists its counts are the truth (duplicates and cache hits included).
  const { report } = run;
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
  if (waitingForAuth.size) lines.push(`**waiting for the API key**: ${[...waitingForAuth.values()][0].slice(0, 300)}`);
  if (waitingForBudget.size)
    lines.push(
      `**out of budget**: ${[...waitingForBudget.values()][0].slice(0, 300)}; raise it with \`llmbatch budget ${runId} --max-usd N\` or cancel`,
    );
  else if (downgradedTo) lines.push(`**budget yellow**: the rest of the run goes to ${downgradedTo}`);
  if (state.fatal) lines.push(`**stopping**: ${state.fatal.slice(0, 500)}`);
  if (p.phase === 'waiting:files')
    lines.push(
      `**waiting for the files worker**: ${noFilesWorkerMessage(run.input, 'the output files', spec.outputDir)}`,
    );
  // Last, what may be cut off without loss: the run id is in the page's heading anyway.
  lines.push(`run \`${runId}\``);
  setCurrentDetails(lines.map(escapeDollars).join('\n\n'));
}
