// Follows a run to its end, handing every progress answer to the test (phases seen, when the last
// chunk finished), then returns the run's result.
import type { WorkflowHandle } from '@temporalio/client';
import type { RunProgress } from '../../common';
import { progressQuery, type batchRunWorkflow } from '../../workflows';

export async function followRun(
  handle: WorkflowHandle<typeof batchRunWorkflow>,
  onProgress: (progress: RunProgress) => void,
  everyMs = 100,
) {
  const result = handle.result();
  let done = false;
  void result.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    const progress = await handle.query(progressQuery).catch(() => undefined);
    if (progress) onProgress(progress);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return result;
}
