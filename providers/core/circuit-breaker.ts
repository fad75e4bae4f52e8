// A circuit breaker per provider, shared by every activity of a worker. After `threshold`
// consecutive outage-like failures (connection errors, timeouts, 5xx) it opens: calls fail fast
// with CircuitOpenError, so activities back off instead of hammering a provider that is down
// and burning retries. After the open period one probe goes through (half-open): success
// closes the circuit, failure reopens it for twice as long, up to a cap. A 401 or 403 opens it at
// once (reason `auth`): every call would fail the same way until someone fixes the key.
//
// Hand-written rather than opossum: we need every caller to *wait* while one probe runs and to
// learn how long to wait; opossum fails fast while open and has no notion of the wait.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { DEFAULT_BREAKER_SETTINGS, type BreakerSettings } from '../../common/config';
import { GeminiApiError, GeminiConnectionError } from '../google/gemini-errors';
import { BedrockConnectionError, awsStatusOf, isAwsServiceError } from '../bedrock/bedrock-errors';
import { isAuthError } from './errors';

export type BreakerOptions = BreakerSettings;

/** LLMBATCH_BREAKER_* defaults, from the configuration's table. */
export const DEFAULT_BREAKER: BreakerOptions = DEFAULT_BREAKER_SETTINGS;

export type CircuitReason = 'outage' | 'auth';

export class CircuitOpenError extends Error {
  constructor(
    readonly provider: string,
    readonly retryAfterMs: number,
    readonly reason: CircuitReason = 'outage',
    readonly lastError = '',
  ) {
    super(
      reason === 'auth'
        ? `provider ${provider} refuses the API key (${lastError || 'authentication failed'}); next probe in ${Math.ceil(retryAfterMs / 1000)} s`
        : `circuit for provider ${provider} is open (provider failing); next probe in ${Math.ceil(retryAfterMs / 1000)} s`,
    );
  }
}

/** Errors that say "the provider is not answering", as opposed to "your request is wrong". */
export function isOutageError(error: unknown): boolean {
  if (error instanceof GeminiConnectionError) return true;
  if (error instanceof GeminiApiError) return error.status >= 500;
  if (error instanceof BedrockConnectionError) return true;
  if (isAwsServiceError(error)) return (awsStatusOf(error) ?? 500) >= 500;
  if (error instanceof OpenAI.APIConnectionError || error instanceof Anthropic.APIConnectionError) return true;
  if (error instanceof OpenAI.APIError || error instanceof Anthropic.APIError)
    return error.status === undefined || error.status >= 500;
  return false;
}

export class CircuitBreaker {
  private state: 'closed' | 'open' | 'half-open' = 'closed';
  private failures = 0;
  private openUntil = 0;
  private openForMs: number;
  private probing = false;
  private reason: CircuitReason = 'outage';
  private lastError = '';

  constructor(
    readonly provider: string,
    private readonly options: BreakerOptions,
    private readonly log: (message: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.openForMs = options.initialOpenMs;
  }

  get status() {
    return this.state;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    let probe = false;
    if (this.state !== 'closed') {
      const wait = this.openUntil - this.now();
      if (wait > 0) throw new CircuitOpenError(this.provider, wait, this.reason, this.lastError);
      if (this.probing) {
        throw new CircuitOpenError(
          this.provider,
          Math.min(1000, this.options.initialOpenMs),
          this.reason,
          this.lastError,
        );
      }
      this.state = 'half-open';
      this.probing = probe = true;
    }
    try {
      const result = await call();
      this.succeeded();
      return result;
    } catch (error) {
      if (isOutageError(error)) this.failed(error, 'outage');
      else if (isAuthError(error)) this.failed(error, 'auth');
      else this.succeeded(); // the provider answered, even if with a 4xx
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }

  private succeeded() {
    if (this.state !== 'closed') this.log(`circuit for provider ${this.provider} closed: the provider answers again`);
    this.state = 'closed';
    this.failures = 0;
    this.openForMs = this.options.initialOpenMs;
  }

  private failed(error: unknown, reason: CircuitReason) {
    this.failures++;
    const reopen = this.state === 'half-open';
    this.lastError = error instanceof Error ? error.message : String(error);
    if (!reopen && reason === 'outage' && this.failures < this.options.threshold) return;
    this.reason = reason;
    if (reopen) this.openForMs = Math.min(this.openForMs * 2, this.options.maxOpenMs);
    this.state = 'open';
    this.openUntil = this.now() + this.openForMs;
    this.log(
      `circuit for provider ${this.provider} opened (${reason}) after ${this.failures} consecutive failures ` +
        `(${error instanceof Error ? error.message : String(error)}); next probe in ${this.openForMs} ms`,
    );
  }
}
