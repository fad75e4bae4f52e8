// Step 3, the carry: a run with chunks still to start continues as new, and hands the next run what
// it must know: its counters, the chunks in flight (which it inherits, window full), their waits,
// and the budget alerts not sent yet. Children do not carry over; their numbers do.
import { condition, continueAsNew, isCancellation, log } from '@temporalio/workflow';
import type { PlanSummary, RunReport, RunState, RunWorkflowInput } from '../../common';
import { continuing, type Run } from './run';
import { cancelWindow } from './window';

/** The parent's signature, for continue-as-new (the workflow type stays the running one's). */
type BatchRunWorkflow = (input: RunWorkflowInput) => Promise<RunReport>;

/** The state the next run starts from. */
function carriedState(run: Run, inFlight: number[]): RunState {
  const carried = (waiting: Map<number, string>) => Object.fromEntries([...waiting].map(([c, r]) => [String(c), r]));
  return {
    ...run.state,
    inFlight,
    waitingForAuth: carried(run.waitingForAuth),
    waitingForBudget: carried(run.waitingForBudget),
    downgradedTo: run.downgradedTo,
    budgetAlerts: [...run.budgetAlerts],
  };
}

/** Continues as new when chunks are left to start (it then never returns); else returns for finalize. */
export async function carryStep(run: Run, plan: PlanSummary): Promise<void> {
  const { settling, running } = run.chunks;
  if (continuing(run, plan)) {
    try {
      // Ends heard while the alerts went out. Nothing is awaited between this and continue-as-new:
      // a chunk's end that arrives meanwhile fails this workflow task, comes again in a new one,
      // and is counted in this run (or, if it needs recording, waited for here).
      await condition(() => settling.size === 0);
    } catch (error) {
      if (!isCancellation(error)) throw error;
      run.cancelled = true;
      await cancelWindow(run);
    }
  }
  if (!continuing(run, plan)) return;
  const inFlight = [...running].sort((a, b) => a - b);
  log.info('continuing as new', { nextChunk: run.state.nextChunk, chunks: plan.chunks, inFlight });
  await continueAsNew<BatchRunWorkflow>({ ...run.input, state: carriedState(run, inFlight) });
}
