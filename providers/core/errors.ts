// Translates the provider SDKs' own errors into our failure kinds, the way the SDKs themselves
// decide to retry: `x-should-retry` first, then 408 / 409 / 429 / 5xx and connection errors retried,
// other 4xx not; `retry-after-ms`, `retry-after` in seconds or as an HTTP date. Anything that is not
// an SDK error is ours (a bug, a store or file problem): it keeps its message and is classified
// `internal`, which the activity boundary retries only a few times.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { classifyHttpFailure, isRetryableKind } from '../../common';
import type { ClassifiedError } from './classified-error';
import {
  GeminiApiError,
  GeminiConnectionError,
  GeminiUserAbortError,
  geminiErrorCode,
  geminiErrorMessage,
  geminiRetryDelayMs,
  isGeminiKeyRejected,
} from '../google/gemini-errors';
import {
  BedrockConnectionError,
  BedrockUserAbortError,
  awsMayHaveReached,
  classifyAws,
  isAwsAuthError,
  isAwsServiceError,
} from '../bedrock/bedrock-errors';

export type { ClassifiedError } from './classified-error';

type HeaderBag = Headers | Record<string, string | null | undefined> | undefined;

function header(headers: HeaderBag, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | null | undefined>;
  return bag[name] ?? bag[name.toLowerCase()] ?? undefined;
}

/** `retry-after-ms`, `retry-after` as seconds (fractions allowed) or as an HTTP date. */
export function retryAfterMs(headers: HeaderBag, now = Date.now()): number | undefined {
  const ms = Number(header(headers, 'retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = header(headers, 'retry-after')?.trim();
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds * 1000 : undefined;
  const at = Date.parse(raw);
  return Number.isFinite(at) && at > now ? at - now : undefined;
}

/**
 * An error raised by the openai, @anthropic-ai/sdk, @google/genai or AWS SDK clients (HTTP answers
 * and connection failures; Gemini's and AWS's as their folders' *-errors.ts make them).
 */
export function isProviderSdkError(error: unknown): boolean {
  return (
    error instanceof OpenAI.APIError ||
    error instanceof Anthropic.APIError ||
    error instanceof GeminiApiError ||
    error instanceof GeminiConnectionError ||
    isAwsServiceError(error) ||
    error instanceof BedrockConnectionError
  );
}

/** The caller aborted the request (activity cancellation): not the provider's failure. */
export function isUserAbort(error: unknown): boolean {
  return (
    error instanceof OpenAI.APIUserAbortError ||
    error instanceof Anthropic.APIUserAbortError ||
    error instanceof GeminiUserAbortError ||
    error instanceof BedrockUserAbortError
  );
}

/** A 401 or 403: the key is wrong, revoked or lacks permission; a run-level condition, not an item's. */
export function isAuthError(error: unknown): boolean {
  if (error instanceof GeminiApiError) return isGeminiKeyRejected(error);
  if (isAwsServiceError(error)) return isAwsAuthError(error);
  return isProviderSdkError(error) && [401, 403].includes((error as { status?: number }).status ?? 0);
}

function providerCode(error: InstanceType<typeof OpenAI.APIError> | InstanceType<typeof Anthropic.APIError>) {
  if (error instanceof Anthropic.APIError) {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the SDK types error.error as Object
    return (error.error as { error?: { type?: string } } | undefined)?.error?.type;
  }
  return typeof error.code === 'string' ? error.code : undefined;
}

/** Gemini's answers carry no headers in the SDK's error: the body's google.rpc details say it all. */
function classifyGemini(error: GeminiApiError | GeminiConnectionError): ClassifiedError {
  if (error instanceof GeminiConnectionError) {
    return error.timeout
      ? { kind: 'timeout', retryable: true, message: error.message }
      : { kind: 'connection', retryable: true, message: error.message };
  }
  const kind = isGeminiKeyRejected(error) ? 'auth' : classifyHttpFailure(error.status, geminiErrorCode(error));
  return {
    kind,
    retryable: isRetryableKind(kind),
    message: geminiErrorMessage(error),
    retryAfterMs: geminiRetryDelayMs(error),
  };
}

export function classifyProviderError(error: unknown): ClassifiedError {
  if (error instanceof GeminiApiError || error instanceof GeminiConnectionError) return classifyGemini(error);
  if (isAwsServiceError(error) || error instanceof BedrockConnectionError) return classifyAws(error);
  if (error instanceof OpenAI.APIConnectionTimeoutError || error instanceof Anthropic.APIConnectionTimeoutError) {
    return { kind: 'timeout', retryable: true, message: error.message };
  }
  if (error instanceof OpenAI.APIConnectionError || error instanceof Anthropic.APIConnectionError) {
    return { kind: 'connection', retryable: true, message: `cannot reach the provider: ${error.message}` };
  }
  if (error instanceof OpenAI.APIError || error instanceof Anthropic.APIError) {
    const kind = classifyHttpFailure(error.status as number | undefined, providerCode(error));
    const shouldRetry = header(error.headers as HeaderBag, 'x-should-retry');
    const retryable = shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : isRetryableKind(kind);
    return {
      kind,
      retryable,
      message:
        error.status && !error.message.startsWith(String(error.status))
          ? `${error.status} ${error.message}`
          : error.message,
      retryAfterMs: retryAfterMs(error.headers as HeaderBag),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'internal', retryable: true, message };
}

/**
 * Statuses by which a provider refuses a request it has not processed (rate limit, gateway,
 * unavailable, and Anthropic's 529 overloaded_error: load shed before the request is processed, as
 * a 503 is elsewhere; counting it as "may have been taken" kept a chunk on Anthropic for as long as
 * an Anthropic 529 outage lasted, never failing over).
 */
const REFUSED_UNPROCESSED = new Set([429, 502, 503, 504, 529]);

/**
 * Whether a failed create may still have created (and later billed) a batch: anything but a clear
 * refusal. A connection never made or a 429/502/503/504/529 created nothing; a timeout, a dropped
 * connection or a 500 may have come after the provider committed the batch.
 */
export function mayHaveReachedProvider(error: unknown): boolean {
  if (error instanceof GeminiConnectionError) {
    return error.timeout || !['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(error.code ?? '');
  }
  if (error instanceof GeminiApiError) return !(REFUSED_UNPROCESSED.has(error.status) || error.status < 500);
  if (isAwsServiceError(error) || error instanceof BedrockConnectionError) return awsMayHaveReached(error);
  if (error instanceof OpenAI.APIConnectionTimeoutError || error instanceof Anthropic.APIConnectionTimeoutError)
    return true;
  if (error instanceof OpenAI.APIConnectionError || error instanceof Anthropic.APIConnectionError) {
    const code = (error.cause as { code?: string } | undefined)?.code;
    return code !== 'ECONNREFUSED' && code !== 'ENOTFOUND' && code !== 'EAI_AGAIN';
  }
  if (error instanceof OpenAI.APIError || error instanceof Anthropic.APIError) {
    const status = error.status as number | undefined;
    return !(status !== undefined && (REFUSED_UNPROCESSED.has(status) || status < 500));
  }
  // Our own failure (the store, the file) before the create was sent, or the circuit: nothing sent.
  return false;
}
