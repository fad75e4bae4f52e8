// Option schemas several commands share (run, dlq replay, estimate; the servers' --port), so a value is checked alike everywhere.
import { z } from 'zod';
import { parseDuration } from '../common';

/** `--id`: a workflow id as Temporal and our file names take it. */
export const workflowIdOption = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.:-]{0,199}$/, '--id: use letters, digits, ".", "_", ":" or "-"')
  .optional();

/** `--task-queue`: the workers' task queue (default: LLMBATCH_TASK_QUEUE or llmbatch). */
export const taskQueueOption = z.string().min(1).optional();

/** `--files-queue`: the queue of the worker that sees the spec's files (default: LLMBATCH_FILES_QUEUE or none). */
export const filesQueueOption = z.string().min(1, '--files-queue: give the name of a task queue').optional();

export const FILES_QUEUE_HELP =
  'task queue of the worker that sees the input and output files (`llmbatch worker --files-queue NAME` on that machine); plan and finalize run there, the rest on any worker (default: LLMBATCH_FILES_QUEUE, else any worker)';

/** `--port`: a TCP port to listen on, 0 for a free one (simulator, codec-server). */
export const portOption = z.coerce
  .number({ error: '--port must be a number' })
  .int('--port must be an integer from 0 to 65535')
  .min(0, '--port must be an integer from 0 to 65535')
  .max(65535, '--port must be an integer from 0 to 65535');

/** `--wait-timeout DURATION`: how long `run --wait` and `wait` follow a run before they let go of it. */
export const WAIT_TIMEOUT_HELP =
  'stop waiting after this long (e.g. 30m, 2h), exit 124, the run going on (default: wait until it ends, through Temporal restarts)';

export function waitTimeoutOf(text: string | undefined): { ms: number; text: string } | undefined {
  if (text === undefined) return undefined;
  try {
    return { ms: parseDuration(text), text };
  } catch {
    throw new Error(`--wait-timeout: "${text}" is not a duration (use e.g. 90s, 30m, 2h)`);
  }
}
