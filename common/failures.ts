// The explicit set of failure types. Every provider error is translated into one of these at the
// activity boundary; `retryable` decides between another strike and the dead letters.
export const FAILURE_KINDS = {
  rate_limited: { retryable: true },
  server_error: { retryable: true },
  timeout: { retryable: true },
  connection: { retryable: true },
  expired: { retryable: true },
  cancelled: { retryable: true },
  batch_failed: { retryable: true },
  missing_output: { retryable: true },
  schema_violation: { retryable: true },
  empty_output: { retryable: true },
  conflict: { retryable: true },
  // The key, not the item: an item that met a 401/403 is tried again once the key works again
  // (activities turn auth failures into a run-level wait, phase `waiting:auth`).
  auth: { retryable: true },
  // Our own code failed (not the provider): retried a few times, then the chunk fails for good.
  internal: { retryable: true },
  // The chunk this item belongs to failed for good; the item was never answered.
  chunk_failed: { retryable: true },
  // The run stopped (a run-wide fatal error) before this item's chunk ran.
  run_failed: { retryable: true },
  // The run was refused before anything was submitted: its estimate did not fit the budget.
  budget: { retryable: true },
  invalid_request: { retryable: false },
  content_policy: { retryable: false },
  not_found: { retryable: false },
} as const;
export type FailureKind = keyof typeof FAILURE_KINDS;

export function isRetryableKind(kind: FailureKind): boolean {
  return FAILURE_KINDS[kind].retryable;
}

/** From an HTTP status and the provider's error code to one of our kinds. */
export function classifyHttpFailure(status: number | undefined, code?: string): FailureKind {
  const c = (code ?? '').toLowerCase();
  if (c.includes('content_policy') || c.includes('content_filter') || c === 'refusal') return 'content_policy';
  if (c === 'batch_expired' || c === 'expired') return 'expired';
  if (c === 'batch_cancelled' || c === 'cancelled' || c === 'canceled') return 'cancelled';
  if (status === undefined) return c.includes('timeout') ? 'timeout' : 'server_error';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'invalid_request';
  return 'server_error';
}
