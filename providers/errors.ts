// Translates SDK errors into our failure kinds; activities turn the result into an
// ApplicationFailure whose retryability Temporal honors.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { classifyHttpFailure, isRetryableKind, type FailureKind } from '../common';

export interface ClassifiedError {
  kind: FailureKind;
  retryable: boolean;
  message: string;
  /** From `retry-after` / `retry-after-ms`, when the provider gave one. */
  retryAfterMs?: number;
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(headers.get('retry-after'));
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  return undefined;
}

export function classifyProviderError(error: unknown): ClassifiedError {
  if (error instanceof Anthropic.APIConnectionTimeoutError)
    return { kind: 'timeout', retryable: true, message: error.message };
  if (error instanceof Anthropic.APIConnectionError) {
    return { kind: 'connection', retryable: true, message: `cannot reach the provider: ${error.message}` };
  }
  if (error instanceof Anthropic.APIError) {
    const type = (error.error as { error?: { type?: string } } | undefined)?.error?.type;
    const kind = classifyHttpFailure(error.status, type);
    return {
      kind,
      retryable: isRetryableKind(kind),
      message: `${error.status ?? ''} ${error.message}`.trim(),
      retryAfterMs: retryAfterMs(error.headers),
    };
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return { kind: 'timeout', retryable: true, message: error.message };
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return { kind: 'connection', retryable: true, message: `cannot reach the provider: ${error.message}` };
  }
  if (error instanceof OpenAI.APIError) {
    const kind = classifyHttpFailure(error.status, typeof error.code === 'string' ? error.code : undefined);
    return {
      kind,
      retryable: isRetryableKind(kind),
      message: `${error.status ?? ''} ${error.message}`.trim(),
      retryAfterMs: retryAfterMs(error.headers),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'server_error', retryable: true, message };
}
