// A failed write of a run's outputs, told apart from every other finalize failure: the workflow
// keeps such a run waiting in phase finalize-failed (its answers are paid for and stay in the
// store) instead of failing it. Non-retryable here: the workflow owns the backoff, so the phase
// shows at once rather than after the activity's own attempts.
import { ApplicationFailure } from '@temporalio/common';

export const OUTPUT_WRITE_FAILED = 'OutputWriteFailed';

/** The file-system calls that writing the output files makes. */
const FILE_CALLS = new Set([
  'open',
  'mkdir',
  'write',
  'writev',
  'rename',
  'close',
  'unlink',
  'stat',
  'lstat',
  'access',
]);

export function outputWriteFailed(where: string, error: unknown): ApplicationFailure {
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.nonRetryable(`cannot write the outputs to ${where}: ${message}`, OUTPUT_WRITE_FAILED);
}

/** A local file error (ENOTDIR, EACCES, ENOSPC, ...) as an output write failure; anything else as it is. */
export function asOutputFailure(where: string, error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  return typeof syscall === 'string' && FILE_CALLS.has(syscall) ? outputWriteFailed(where, error) : error;
}
