// The run's queries and the signals from the CLI and from its chunks that steer it (pause, resume,
// budget, finalize, a chunk waiting for its API key or for budget). Registered first, before the
// plan: a signal sent before that waits in Temporal's buffer until its handler is set.
import { setHandler, type SignalDefinition } from '@temporalio/workflow';
import {
  budgetSignal,
  chunkBudgetSignal,
  chunkWaitingSignal,
  finalizeSignal,
  pauseSignal,
  reportQuery,
  resumeSignal,
} from '../signals';
import { progressQuery } from '../progress';
import type { Run } from './run';
import { tell, tellChunks } from './tell';
import { progressOf, publish } from './view';

/** What a chunk says of the budget when it reserves spend. */
type ChunkBudget = typeof chunkBudgetSignal extends SignalDefinition<[infer A]> ? A : never;

/** A chunk's reservation met a budget zone: red waits (one alert per pause), yellow downgrades (one alert a run). */
function onChunkBudget(run: Run, { chunk, zone, message }: ChunkBudget): void {
  const { runId, state, waitingForBudget } = run;
  if (zone === 'red') {
    if (waitingForBudget.size === 0)
      run.budgetAlerts.push({ kind: 'budget-red', message: `run ${runId} stops submitting: ${message}` });
    waitingForBudget.set(chunk, message);
  } else {
    waitingForBudget.delete(chunk);
  }
  if (zone === 'yellow' && !state.alerted?.yellow) {
    state.alerted = { ...state.alerted, yellow: true };
    run.budgetAlerts.push({ kind: 'budget-yellow', message: `run ${runId}: ${message}` });
  }
  if (zone === 'yellow' && run.spec.downgradeTo) run.downgradedTo = run.spec.downgradeTo;
  publish(run);
}

/** Sets the handlers in the order the workflow always set them (buffered signals are delivered in it). */
export function listenToControls(run: Run): void {
  const { state } = run;
  setHandler(progressQuery, () => progressOf(run));
  setHandler(reportQuery, () => run.report);
  setHandler(chunkWaitingSignal, ({ chunk, waiting, reason }) => {
    if (waiting) run.waitingForAuth.set(chunk, reason);
    else run.waitingForAuth.delete(chunk);
    publish(run);
  });
  setHandler(budgetSignal, ({ maxUsd: cap }) => {
    state.maxUsd = cap;
    for (const chunk of run.chunks.started) void tell(run, chunk, budgetSignal, { maxUsd: cap });
    publish(run);
  });
  setHandler(chunkBudgetSignal, (signal) => onChunkBudget(run, signal));
  setHandler(finalizeSignal, ({ outputDir }) => {
    if (outputDir) run.writeTo.dir = outputDir;
    run.writeTo.asked = true;
  });
  setHandler(pauseSignal, () => {
    state.paused = true;
    tellChunks(run, pauseSignal);
    publish(run);
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
    tellChunks(run, resumeSignal);
    publish(run);
  });
}
