// The worker's own check of where a run's files go, before anything is read, spent or written:
// the spec's output.dir is the user's choice, but a run id spliced into it (by a schedule, an
// estimate's sample, or any client that starts the workflow) must not move the files elsewhere.
import { ApplicationFailure } from '@temporalio/common';
import { outputDirProblem, pathSegmentProblem } from '../../common/output-path';

/** Non-retryable: the same input fails the same way on every attempt and every worker. */
function unsafe(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'OutputPathUnsafe');
}

export function assertOutputDir(dir: string): string {
  const problem = outputDirProblem(dir);
  if (problem) throw unsafe(`output.dir "${dir}" ${problem}`);
  return dir;
}

/** `value` (a run id) as one folder name under the output folder. */
export function assertPathSegment(value: string, field: string): string {
  const problem = pathSegmentProblem(value);
  if (problem) throw unsafe(`${field} "${value}" cannot name a folder under output.dir: it ${problem}`);
  return value;
}
