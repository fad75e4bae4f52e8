// The CLI's side of the files queue (workflows/files-queue.ts): which queue a run's plan and
// finalize go to (`--files-queue`, else LLMBATCH_FILES_QUEUE, else none: any worker), and a word on
// stderr when no worker polls it, since a run waits on that queue for a worker that may never come.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { FilesQueueInput } from '../common';
import { processConfig } from '../workers/settings';
import { startInput } from './dead-letters';

/** The run's files queue: the option, else `inherited` (a replay: the original run's), else LLMBATCH_FILES_QUEUE. */
export function resolveFilesQueue(option: string | undefined, taskQueue: string, inherited?: string): FilesQueueInput {
  const config = processConfig();
  const filesQueue = option ?? inherited ?? config.filesQueue;
  if (!filesQueue) return {};
  if (filesQueue === taskQueue) {
    // A files worker serves only the file activities: every other activity of the run would wait on it.
    throw new Error(
      `--files-queue "${filesQueue}" is the run's task queue; name the queue that the files machine's worker polls with --files-queue`,
    );
  }
  return { filesQueue, filesWorkerWaitMs: config.filesWorkerWaitMs };
}

export function noFilesWorkerMessage(filesQueue: string): string {
  return `no worker polls files queue "${filesQueue}" (the run's plan and output files); start \`llmbatch worker --files-queue ${filesQueue}\` on the machine that has the files (the run waits for it)`;
}

/** Whether any worker polled `taskQueue` for activities lately (Temporal keeps pollers of the last minutes). */
export async function hasActivityPollers(
  client: Pick<Client, 'workflowService'> & { options: { namespace: string } },
  taskQueue: string,
): Promise<boolean> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (pollers ?? []).length > 0;
}

/** The files queue a run was started with, for `wait` and `cancel` to watch; undefined when none (or unreadable). */
export async function filesQueueOfRun(client: Client, runId: string): Promise<string | undefined> {
  return startInput(client, client.workflow.getHandle(runId)).then(
    (input) => input.filesQueue,
    () => undefined,
  );
}

/** At start, before any waiting: one line on stderr when the files queue has no worker yet. */
export async function warnIfNoFilesWorker(client: Client, files: FilesQueueInput): Promise<void> {
  if (!files.filesQueue) return;
  const polled = await hasActivityPollers(client, files.filesQueue).catch(() => true);
  if (!polled) process.stderr.write(`warning: ${noFilesWorkerMessage(files.filesQueue)}\n`);
}
