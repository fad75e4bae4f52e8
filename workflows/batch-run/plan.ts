// Step 1, plan: claim the run id, plan the dataset in an activity on the files worker, and refuse
// before anything is spent a run whose every line was rejected or whose estimate breaks its budget.
import { log, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { PlanSummary } from '../../common';
import { bookkeepingProfile, ioProfile, planProfile } from '../activity-profiles';
import { filesWorkerMissing, noFilesWorker, onFilesWorker } from '../files-queue';
import type { Run } from './run';
import { publish } from './view';

const io = proxyActivities<Activities>(ioProfile);
const books = proxyLocalActivities<Activities>(bookkeepingProfile);

/** Plans a fresh run (one continued as new carries its plan): the plan, kept in the run's state. */
export async function planStep(run: Run): Promise<PlanSummary> {
  const { runId, spec, state, input } = run;
  publish(run);
  await books.claimRunId.executeWithOptions({ ...bookkeepingProfile, summary: 'claim the run id in the store' }, [
    { runId, temporalRunId: workflowInfo().firstExecutionRunId },
  ]);
  // Before anything is spent: a files queue that no worker takes the plan from fails the run, and says why.
  const plan = await io.planRun
    .executeWithOptions(onFilesWorker({ ...planProfile, summary: `plan ${spec.inputPath}` }, input), [{ runId, spec }])
    .catch((error: unknown) => {
      throw noFilesWorker(error) ? filesWorkerMissing(input, 'the plan', spec.inputPath) : error;
    });
  state.plan = plan;
  log.info('planned', { ...plan });
  if (plan.lines > 0 && plan.accepted === 0) {
    state.fatal = `every one of the ${plan.lines} input lines was rejected; nothing was sent (see rejected.jsonl)`;
  } else if (spec.budget) {
    const refused = await io.checkBudget.executeWithOptions(
      { ...ioProfile, summary: `check the estimate against the budget` },
      [{ runId, spec, estimateUsd: plan.estimatedUsd.likely, maxUsd: state.maxUsd }],
    );
    if (refused) {
      state.fatal = refused;
      state.fatalKind = 'budget';
    }
  }
  return plan;
}
