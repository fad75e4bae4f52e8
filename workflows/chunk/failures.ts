// How a chunk reads the failures its activities end with.
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';

/** The provider refused the API key (401/403). */
export function isAuthFailure(error: unknown): error is ActivityFailure {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === 'auth';
}

/**
 * A bounded wait that ran out of time: a timeout, or (Temporal ends the activity with its last
 * failure when the next look would come after the bound) the last "not ready" or "refused", ended by
 * the bound or the count of looks.
 */
export function ranOutOfTime(error: unknown): boolean {
  return (
    error instanceof ActivityFailure &&
    (error.cause instanceof TimeoutFailure ||
      error.retryState === 'TIMEOUT' ||
      error.retryState === 'MAXIMUM_ATTEMPTS_REACHED')
  );
}

/**
 * A step bounded by retry.failoverAfter that ran out of time: a timeout, or the last of the
 * retryable failures (Temporal ends an activity with its last failure when the next retry would come
 * after the deadline).
 */
export function ranPastFailoverBound(error: unknown): boolean {
  return (
    error instanceof ActivityFailure &&
    (error.cause instanceof TimeoutFailure ||
      (error.cause instanceof ApplicationFailure && !error.cause.nonRetryable && error.cause.type !== 'auth'))
  );
}
