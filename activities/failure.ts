// The activity boundary, applied to every activity by workers/failure-interceptor.ts. Provider SDK
// errors leave as ApplicationFailures typed by failure kind (non-retryable when the kind is
// permanent, the provider's retry-after as the next delay). A 401/403 leaves as a non-retryable
// `auth` failure: the chunk workflow waits for the key to work again (phase `waiting:auth`) instead
// of burning attempts. Anything else is our own error: it keeps its message and gets a few
// attempts, then fails for good, so nothing retries for ever.
import { ApplicationFailure, CancelledFailure, TemporalFailure } from '@temporalio/common';
import {
  CircuitOpenError,
  ProviderConfigError,
  classifyProviderError,
  isProviderSdkError,
  isUserAbort,
} from '../providers';

/** Attempts an internal (non-provider) error gets before the activity fails for good. */
export const INTERNAL_ATTEMPTS = 5;

export const AUTH_FAILURE = 'auth';

export function toActivityFailure(error: unknown, attempt = 1, cancelled = false): Error {
  // Ours already, or Temporal's own (e.g. cancellation): leave as is.
  if (error instanceof TemporalFailure) return error;
  if (cancelled || isUserAbort(error)) return new CancelledFailure('the activity was cancelled');
  if (error instanceof ProviderConfigError) {
    return ApplicationFailure.create({ type: 'ProviderConfig', message: error.message, nonRetryable: true });
  }
  if (error instanceof CircuitOpenError) {
    if (error.reason === 'auth') {
      return ApplicationFailure.create({ type: AUTH_FAILURE, message: error.message, nonRetryable: true });
    }
    // Not the provider's answer but ours: wait out the open circuit without counting it as trouble.
    return ApplicationFailure.create({
      type: 'circuit_open',
      message: error.message,
      nextRetryDelay: error.retryAfterMs,
    });
  }
  if (isProviderSdkError(error)) {
    const classified = classifyProviderError(error);
    return ApplicationFailure.create({
      type: classified.kind,
      message: classified.message,
      nonRetryable: classified.kind === AUTH_FAILURE || !classified.retryable,
      nextRetryDelay: classified.retryAfterMs,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error && error.name && error.name !== 'Error' ? error.name : 'internal';
  const last = attempt >= INTERNAL_ATTEMPTS;
  return ApplicationFailure.create({
    type: name,
    message: last ? `${message} (gave up after ${attempt} attempts)` : message,
    nonRetryable: last,
  });
}
