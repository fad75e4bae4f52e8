// The activity failure that failed a run: the workflow's failure wraps it (run -> activity -> cause).
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

export async function activityFailureOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const error = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WorkflowFailedError)) throw new Error(`the run did not fail: ${String(error)}`);
  const failure = error.cause?.cause;
  if (!(failure instanceof ApplicationFailure)) throw new Error(`not an activity's failure: ${String(failure)}`);
  return failure;
}
