// The activity boundary, applied to every activity by workers/failure-interceptor.ts: provider
// errors leave as ApplicationFailures typed by failure kind, non-retryable when the kind is
// permanent, with the provider's retry-after as the next delay.
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { CircuitOpenError, ProviderConfigError, classifyProviderError } from '../providers';

export function toActivityFailure(error: unknown): Error {
  // Ours already, or Temporal's own (e.g. cancellation): leave as is.
  if (error instanceof TemporalFailure) return error;
  if (error instanceof ProviderConfigError) {
    return ApplicationFailure.create({ type: 'ProviderConfig', message: error.message, nonRetryable: true });
  }
  if (error instanceof CircuitOpenError) {
    // Not the provider's answer but ours: wait out the open circuit without counting it as trouble.
    return ApplicationFailure.create({
      type: 'circuit_open',
      message: error.message,
      nextRetryDelay: error.retryAfterMs,
    });
  }
  const classified = classifyProviderError(error);
  return ApplicationFailure.create({
    type: classified.kind,
    message: classified.message,
    nonRetryable: !classified.retryable,
    nextRetryDelay: classified.retryAfterMs,
    cause: error instanceof Error ? error : undefined,
  });
}
