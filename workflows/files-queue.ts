// Activities that read the user's input or write its output files (plan, finalize, an estimate's
// sample) must run on the machine that has those files. Temporal's worker-specific task queue
// pattern (samples-typescript `worker-specific-task-queues`) does that: they are scheduled on a
// task queue that only that machine's worker polls, while the workflows and the chunk activities
// stay on the shared queue for any worker. The sample makes up a queue per worker and asks for it
// in a first activity; here the user names it up front (`--files-queue NAME` on the worker and on
// the CLI), because the CLI must know at start which worker sees the spec's paths.
//
// A queue that nobody polls would hold its task for ever without a word, so a files activity
// waits for a worker at most `filesWorkerWaitMs` (schedule-to-start, which Temporal never retries)
// before the workflow says so.
import { ActivityFailure, ApplicationFailure, TimeoutFailure, type ActivityOptions } from '@temporalio/workflow';
import type { FilesQueueInput } from '../common';

export const DEFAULT_FILES_WORKER_WAIT_MS = 5 * 60_000;

/** The options of an activity that touches the user's files: on the files queue when there is one. */
export function onFilesWorker(
  options: ActivityOptions,
  input: FilesQueueInput,
  wait: 'bounded' | 'unbounded' = 'bounded',
): ActivityOptions {
  if (!input.filesQueue) return options;
  const placed: ActivityOptions = { ...options, taskQueue: input.filesQueue };
  if (wait === 'bounded') placed.scheduleToStartTimeout = input.filesWorkerWaitMs ?? DEFAULT_FILES_WORKER_WAIT_MS;
  return placed;
}

/** True when a files activity failed because no worker took it from the files queue in time. */
export function noFilesWorker(error: unknown): boolean {
  return (
    error instanceof ActivityFailure &&
    error.cause instanceof TimeoutFailure &&
    error.cause.timeoutType === 'SCHEDULE_TO_START'
  );
}

/** What a user reads when no worker took `what` from the files queue: which worker to start, and where. */
export function noFilesWorkerMessage(input: FilesQueueInput, what: string, path: string): string {
  const minutes = (input.filesWorkerWaitMs ?? DEFAULT_FILES_WORKER_WAIT_MS) / 60_000;
  const waited = minutes >= 1 ? `${+minutes.toFixed(1)} min` : `${(minutes * 60).toFixed(1)} s`;
  return (
    `no worker took ${what} from files queue "${input.filesQueue}" within ${waited}: start ` +
    `\`llmbatch worker --files-queue ${input.filesQueue}\` on the machine that sees ${path}`
  );
}

/** The failure that ends a workflow whose files worker never came (before anything was spent). */
export function filesWorkerMissing(input: FilesQueueInput, what: string, path: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'FilesWorkerMissing',
    message: noFilesWorkerMessage(input, what, path),
    nonRetryable: true,
  });
}
