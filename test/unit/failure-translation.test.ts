// The activity boundary: provider errors leave as ApplicationFailures whose type and
// retryability say what to do next.
import { ApplicationFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { toActivityFailure } from '../../activities/failure';
import { CircuitBreaker, CircuitOpenError, ProviderConfigError } from '../../providers';

function apiError(status: number, message: string, headers: Record<string, string> = {}) {
  return OpenAI.APIError.generate(status, { error: { message, type: 'x', code: null } }, message, new Headers(headers));
}

describe('failure translation', () => {
  it('makes auth and invalid requests permanent, with the provider message', () => {
    const auth = toActivityFailure(apiError(401, 'Incorrect API key provided')) as ApplicationFailure;
    expect(auth).toMatchObject({ type: 'auth', nonRetryable: true });
    expect(auth.message).toContain('Incorrect API key provided');
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
      expect.stringMatching(/opened after 2 consecutive failures .*next probe in 100 ms/),
      expect.stringMatching(/opened after 3 consecutive failures .*next probe in 200 ms/),
      'circuit for provider p closed: the provider answers again',
    ]);
  });
  it('does not count a 4xx as an outage', async () => {
    const breaker = new CircuitBreaker('p', { threshold: 1, initialOpenMs: 100, maxOpenMs: 100 }, () => undefined);
    await expect(breaker.run(() => Promise.reject(apiError(400, 'bad')))).rejects.toThrow('bad');
    expect(breaker.status).toBe('closed');
  });
});
