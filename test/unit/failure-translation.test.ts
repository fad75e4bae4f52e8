// The activity boundary: provider errors leave as ApplicationFailures whose type and
// retryability say what to do next.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { INTERNAL_ATTEMPTS, toActivityFailure } from '../../activities/failure';
import { CircuitBreaker, CircuitOpenError, ProviderConfigError, retryAfterMs } from '../../providers';

function apiError(status: number, message: string, headers: Record<string, string> = {}) {
  return OpenAI.APIError.generate(status, { error: { message, type: 'x', code: null } }, message, new Headers(headers));
}

describe('failure translation', () => {
  it('hands auth to the workflow at once and makes invalid requests permanent, with the provider message', () => {
    const auth = toActivityFailure(apiError(401, 'Incorrect API key provided')) as ApplicationFailure;
    expect(auth).toMatchObject({ type: 'auth', nonRetryable: true });
    expect(auth.message).toBe('401 Incorrect API key provided');
    expect(toActivityFailure(apiError(400, 'bad'))).toMatchObject({ type: 'invalid_request', nonRetryable: true });
  });
  it('retries 429 and 5xx, after the retry-after the provider asked for', () => {
    const limited = toActivityFailure(apiError(429, 'slow down', { 'retry-after': '7' })) as ApplicationFailure;
    expect(limited).toMatchObject({ type: 'rate_limited', nonRetryable: false, nextRetryDelay: 7000 });
    expect(toActivityFailure(apiError(503, 'down'))).toMatchObject({ type: 'server_error', nonRetryable: false });
    expect(toActivityFailure(new OpenAI.APIConnectionError({ message: 'ECONNREFUSED' }))).toMatchObject({
      type: 'connection',
      nonRetryable: false,
    });
  });
  it('waits out an open circuit, and refuses a missing key for good', () => {
    expect(toActivityFailure(new CircuitOpenError('openai', 1234))).toMatchObject({
      type: 'circuit_open',
      nonRetryable: false,
      nextRetryDelay: 1234,
    });
    expect(toActivityFailure(new ProviderConfigError('no key'))).toMatchObject({
      type: 'ProviderConfig',
      nonRetryable: true,
    });
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold, fails fast while open, probes once, and closes on success', async () => {
    let now = 0;
    const log: string[] = [];
    const breaker = new CircuitBreaker(
      'p',
      { threshold: 2, initialOpenMs: 100, maxOpenMs: 400 },
      (m) => log.push(m),
      () => now,
    );
    const down = () => Promise.reject(apiError(503, 'down'));
    await expect(breaker.run(down)).rejects.toThrow('down');
    await expect(breaker.run(down)).rejects.toThrow('down');
    expect(breaker.status).toBe('open');
    await expect(breaker.run(() => Promise.resolve(1))).rejects.toBeInstanceOf(CircuitOpenError);
    now = 100; // probe fails: reopen for twice as long
    await expect(breaker.run(down)).rejects.toThrow('down');
    now = 250;
    await expect(breaker.run(() => Promise.resolve(1))).rejects.toBeInstanceOf(CircuitOpenError);
    now = 300;
    await expect(breaker.run(() => Promise.resolve(2))).resolves.toBe(2);
    expect(breaker.status).toBe('closed');
    expect(log).toEqual([
      expect.stringMatching(/opened \(outage\) after 2 consecutive failures .*next probe in 100 ms/),
      expect.stringMatching(/opened \(outage\) after 3 consecutive failures .*next probe in 200 ms/),
      'circuit for provider p closed: the provider answers again',
    ]);
  });
  it('does not count a 4xx as an outage', async () => {
    const breaker = new CircuitBreaker('p', { threshold: 1, initialOpenMs: 100, maxOpenMs: 100 }, () => undefined);
    await expect(breaker.run(() => Promise.reject(apiError(400, 'bad')))).rejects.toThrow('bad');
    expect(breaker.status).toBe('closed');
  });
});

describe("what is ours and what is the provider's", () => {
  it("keeps an internal error's message and caps its attempts", () => {
    const first = toActivityFailure(new Error('disk full'), 1) as ApplicationFailure;
    expect(first).toMatchObject({ type: 'internal', message: 'disk full', nonRetryable: false });
    const last = toActivityFailure(new Error('disk full'), INTERNAL_ATTEMPTS) as ApplicationFailure;
    expect(last).toMatchObject({ type: 'internal', nonRetryable: true });
    expect(last.message).toBe(`disk full (gave up after ${INTERNAL_ATTEMPTS} attempts)`);
    class CsvError extends Error {
      override name = 'CsvError';
    }
    expect(toActivityFailure(new CsvError('bad quote'), 1)).toMatchObject({ type: 'CsvError', message: 'bad quote' });
  });
  it('follows x-should-retry and every form of retry-after, as the SDKs do', () => {
    expect(toActivityFailure(apiError(400, 'busy', { 'x-should-retry': 'true' }))).toMatchObject({
      nonRetryable: false,
    });
    expect(toActivityFailure(apiError(503, 'no', { 'x-should-retry': 'false' }))).toMatchObject({ nonRetryable: true });
    expect(toActivityFailure(apiError(409, 'conflict'))).toMatchObject({ type: 'conflict', nonRetryable: false });
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '1.5' }))).toBe(1500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });
  it('treats a cancelled call as cancellation, not as a provider failure', () => {
    expect(toActivityFailure(new OpenAI.APIUserAbortError(), 1)).toBeInstanceOf(CancelledFailure);
  });
  it('opens the circuit at once on a refused key and says so to every caller', async () => {
    const breaker = new CircuitBreaker('p', { threshold: 5, initialOpenMs: 100, maxOpenMs: 100 }, () => undefined);
    await expect(breaker.run(() => Promise.reject(apiError(401, 'Incorrect API key')))).rejects.toThrow('API key');
    expect(breaker.status).toBe('open');
    const refused = await breaker.run(() => Promise.resolve(1)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(toActivityFailure(refused)).toMatchObject({ type: 'auth', nonRetryable: true });
  });
});
