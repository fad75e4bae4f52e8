// The parent of a run: plan -> a sliding window of chunk children -> finalize. It continues as
// new every so many chunks (or when Temporal suggests it) WITHOUT draining its window, as in
// Temporal's batch-sliding-window sample: chunks are started with ParentClosePolicy ABANDON, so
// they outlive the run that started them; the new run inherits their numbers (state.inFlight),
// counts them in its window and learns of their end by the `chunkEnded` signal each chunk sends
// to its parent's workflow id (the newest run). It carries only counters and those numbers, so
// its history stays bounded however large the dataset. An inherited chunk terminated by an
// operator never signals: the run waits for it until cancelled (the cancel finds it closed and
// dead-letters its items), or until someone sends the parent `chunkEnded` with a failure for it
// (docs/how-it-works.md). The run id is the workflow id, read in the workflow (batch-run/run.ts),
// so a Schedule or `temporal workflow start` starts a proper run.
//
// Every run ends, and ends accounted for (DESIGN.md rule 6): a chunk that fails for good has its
// unanswered items dead-lettered as `chunk_failed` and the run goes on; a run-wide fatal error (no
// provider configured, every input line rejected) stops new chunks, dead-letters what is left as
// `run_failed`, still writes every output file, and fails the run with the reason. A cancel (the
// CLI's or the Web UI's) cancels the chunks' provider batches, keeps what they answered, writes
// every file with the rest dead-lettered as `cancelled`, and ends the run as cancelled. A pause
// starts nothing new until resume.
//
// It reads as its lifecycle; each step is a file of workflows/batch-run/ and they share one typed
// object, the Run (batch-run/run.ts): plan (batch-run/plan.ts), the window of chunk children
// (window.ts, chunk-ends.ts), the continue-as-new carry (carry.ts) and finalize (finalize.ts); the
// queries and control signals are set first (controls.ts), what the run shows is in view.ts. The
// order of the steps, and of what each does, is the order of the commands a run issues: recorded
// histories replay against it (test/unit/replay.test.ts), so a change there needs patched().
import type { RunReport, RunWorkflowInput } from '../common';
import { carryStep } from './batch-run/carry';
import { listenToControls } from './batch-run/controls';
import { finalizeStep } from './batch-run/finalize';
import { planStep } from './batch-run/plan';
import { openRun } from './batch-run/run';
import { windowStep } from './batch-run/window';

export { progressQuery } from './progress';
export { chunkWorkflowId } from './batch-run/run';
export { escapeDollars } from './batch-run/view';

export async function batchRunWorkflow(input: RunWorkflowInput): Promise<RunReport> {
  const run = openRun(input);
  listenToControls(run);
  // A run continued as new carries its plan, and goes on in the same workflow task.
  const plan = run.state.plan ?? (await planStep(run));
  await windowStep(run, plan);
  await carryStep(run, plan);
  return await finalizeStep(run, plan);
}
