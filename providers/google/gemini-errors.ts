// What @google/genai throws, made classifiable. HTTP answers come as its `ApiError` (a status and
// the JSON error body as the message, no headers); a connection that failed or timed out comes as
// fetch's own TypeError or AbortError, which says nothing about Gemini. The adapter wraps every SDK
// call (gemini-batch.ts) so that those two become a GeminiConnectionError, which providers/core
// classifies like the OpenAI and Anthropic SDKs' connection errors.
import { ApiError } from './genai';

export { ApiError as GeminiApiError };

/** The request never got an HTTP answer: refused, dropped, or timed out (`timeout`). */
export class GeminiConnectionError extends Error {
  override name = 'GeminiConnectionError';

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
export class GeminiUserAbortError extends Error {
  override name = 'GeminiUserAbortError';
}

interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{ '@type'?: string; retryDelay?: string; reason?: string }>;
  };
}

/** The error body @google/genai put in the ApiError's message (JSON), when it parses. */
export function googleErrorBody(error: ApiError): GoogleErrorBody['error'] | undefined {
  try {
    const body = JSON.parse(error.message) as GoogleErrorBody;
    return body && typeof body === 'object' ? body.error : undefined;
  } catch {
    return undefined;
  }
}

/** `INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`...: the google.rpc code name of the answer. */
export function geminiErrorCode(error: ApiError): string | undefined {
  return googleErrorBody(error)?.status;
}

/** The human message of the answer (`400 INVALID_ARGUMENT: ...`) rather than its JSON. */
export function geminiErrorMessage(error: ApiError): string {
  const body = googleErrorBody(error);
  if (!body?.message) return `${error.status} ${error.message}`;
  return `${error.status}${body.status ? ` ${body.status}` : ''}: ${body.message}`;
}

/**
 * A key the API does not accept. Google answers a wrong or revoked key with a 400 INVALID_ARGUMENT
 * whose google.rpc.ErrorInfo says API_KEY_INVALID (and a missing one with 403): a run-level
 * condition like OpenAI's 401, never an item's fault.
 */
export function isGeminiKeyRejected(error: ApiError): boolean {
  if (error.status === 401 || error.status === 403) return true;
  const body = googleErrorBody(error);
  return error.status === 400 && (body?.details ?? []).some((d) => d.reason === 'API_KEY_INVALID');
}

/** google.rpc.RetryInfo's `retryDelay` ("34s", "1.5s"), which Gemini sends with a 429, in ms. */
export function geminiRetryDelayMs(error: ApiError): number | undefined {
  const info = googleErrorBody(error)?.details?.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'));
  const match = /^(\d+(?:\.\d+)?)s$/.exec(info?.retryDelay ?? '');
  if (!match) return undefined;
  const ms = Number(match[1]) * 1000;
  return ms > 0 ? ms : undefined;
}

/**
 * Runs one SDK call and rewrites what fetch throws when no answer came: an abort by our own signal
 * stays an abort, a timeout or a failed connection becomes a GeminiConnectionError. ApiErrors (HTTP
 * answers) and everything else pass through unchanged.
 */
export async function geminiCall<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (signal?.aborted) throw new GeminiUserAbortError('the request was aborted');
    type FetchError = { name?: string; message?: string; cause?: { code?: string; message?: string } };
    let e = error as FetchError;
    // What fetch threw, unless the SDK wrapped it (`exception TypeError: fetch failed sending request`,
    // as it does when the error is not an Error of its own realm, e.g. in a sandbox).
    if (/^exception .* sending request$/.test(e?.message ?? '') && e.cause) e = e.cause;
    if (e?.name === 'AbortError' || e?.name === 'TimeoutError')
      throw new GeminiConnectionError('the request to Gemini timed out', true);
    if (e?.name === 'TypeError' && (e.message === 'fetch failed' || e.cause)) {
      const code = e.cause?.code;
      throw new GeminiConnectionError(
        `cannot reach Gemini: ${e.cause?.message ?? e.message ?? 'fetch failed'}`,
        code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT',
        code,
      );
    }
    throw error;
  }
}
