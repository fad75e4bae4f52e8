// What the AWS SDK throws, made classifiable. A service's answer is a ServiceException with
// `$fault` and `$metadata.httpStatusCode` and the exception's name (ThrottlingException,
// ValidationException...); a request that got no answer throws Node's own error (ECONNREFUSED) or a
// TimeoutError, which say nothing about AWS. Every SDK call of the adapter goes through `awsCall`,
// which turns the latter into a BedrockConnectionError that providers/core classifies like the other
// SDKs' connection errors.
import { classifyHttpFailure, isRetryableKind } from '../../common';
import type { ClassifiedError } from '../core/classified-error';

/** An answer of an AWS service, as the SDK v3 gives it. */
export interface AwsServiceError extends Error {
  $fault: 'client' | 'server';
  $metadata: { httpStatusCode?: number; requestId?: string };
  $retryable?: { throttling?: boolean };
}

export function isAwsServiceError(error: unknown): error is AwsServiceError {
  const e = error as Partial<AwsServiceError> | null;
  return (
    error instanceof Error &&
    (e?.$fault === 'client' || e?.$fault === 'server') &&
    typeof e.$metadata === 'object' &&
    e.$metadata !== null
  );
}

/** The request never got an HTTP answer: refused, dropped, or timed out (`timeout`). */
export class BedrockConnectionError extends Error {
  override name = 'BedrockConnectionError';

  constructor(
    message: string,
    readonly timeout: boolean,
    /** The system error code (ECONNREFUSED, ECONNRESET...) when there is one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The caller's signal aborted the call (activity cancellation): not the provider's failure. */
export class BedrockUserAbortError extends Error {
  override name = 'BedrockUserAbortError';
}

/**
 * Statuses by exception name where Bedrock's answer says more than its HTTP status: a full job
 * quota (ServiceQuotaExceededException, a 400) waits like a rate limit; a model not ready or busy is
 * a 429 to wait out; a model error is the service's, not the request's.
 */
const STATUS_BY_NAME: Record<string, number> = {
  ThrottlingException: 429,
  ServiceQuotaExceededException: 429,
  ModelNotReadyException: 429,
  TooManyRequestsException: 429,
  ModelTimeoutException: 408,
  ModelErrorException: 500,
  ServiceUnavailableException: 503,
  InternalServerException: 500,
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  ExpiredTokenException: 403,
  MissingAuthenticationTokenException: 403,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  ValidationException: 400,
};

export function awsStatusOf(error: AwsServiceError): number | undefined {
  return STATUS_BY_NAME[error.name] ?? error.$metadata.httpStatusCode;
}

export function isAwsAuthError(error: AwsServiceError): boolean {
  const status = awsStatusOf(error);
  return status === 401 || status === 403;
}

export function classifyAws(error: AwsServiceError | BedrockConnectionError): ClassifiedError {
  if (error instanceof BedrockConnectionError) {
    return error.timeout
      ? { kind: 'timeout', retryable: true, message: error.message }
      : { kind: 'connection', retryable: true, message: error.message };
  }
  const status = awsStatusOf(error);
  const kind = classifyHttpFailure(status, error.name);
  return { kind, retryable: isRetryableKind(kind), message: `${status ?? ''} ${error.name}: ${error.message}`.trim() };
}

const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** Whether a failed call may still have taken effect (a job created with its answer lost). */
export function awsMayHaveReached(error: AwsServiceError | BedrockConnectionError): boolean {
  if (error instanceof BedrockConnectionError) return error.timeout || !NEVER_SENT.has(error.code ?? '');
  const status = error.$metadata.httpStatusCode ?? 500;
  return status >= 500 && ![502, 503, 504].includes(status);
}

/**
 * Runs one SDK call and rewrites what Node throws when no answer came: an abort by our own signal
 * stays an abort, a timeout or a failed connection becomes a BedrockConnectionError. Service answers
 * and everything else pass through unchanged.
 */
export async function awsCall<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isAwsServiceError(error)) throw error;
    if (signal?.aborted) throw new BedrockUserAbortError('the request was aborted');
    const e = error as { name?: string; message?: string; code?: string } | null;
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'ETIMEDOUT')
      throw new BedrockConnectionError(`the request to AWS timed out: ${e.message ?? ''}`.trim(), true, e.code);
    if (typeof e?.code === 'string' && /^E[A-Z0-9_]+$/.test(e.code))
      throw new BedrockConnectionError(`cannot reach AWS: ${e.message ?? e.code}`, false, e.code);
    throw error;
  }
}
