// The chaos profile of issue "Three strikes" and the guarantees every chaos run must keep.
import Ajv from 'ajv';
import { verifyRunFiles } from '../../client/verify-run-files';
import { LABEL_SCHEMA } from './datasets';
import { fastSpec } from './harness';
import { readJsonl, type DeadLetterLine } from './run-files';

export const CHAOS_PROFILE = {
  seed: 11,
  batch: { validatingMs: 20, completionMs: 150, failRate: 0.05, expireRate: 0.1 },
  // Permanent errors drawn afresh per attempt (as before issue 23 item 5): the chaos runs' figures rely on it.
  items: { retryableErrorRate: 0.05, permanentErrorRate: 0.01, corruptRate: 0.01, permanentErrorsRedrawn: true },
  http: { errorRate: 0.1, lostResponseRate: 0.05 },
  sync: { latencyMs: 5 },
};

export function chaosSpec(extra: Record<string, unknown> = {}) {
  return fastSpec({
    output: { dir: 'out', schema: 'label.schema.json' },
    chunkSize: 100,
    limits: { concurrentBatches: 10, syncConcurrency: 8 },
    // A failed provider call is tried again within a second or two, not after minutes of backoff: with
    // 15% of HTTP calls failing, a submit (list, upload, create) fails half the time.
    retry: {
      strike2Delay: '100ms',
      strike3Delay: '100ms',
      syncBackoff: '20ms',
      callBackoff: '100ms',
      callBackoffMax: '1s',
    },
    ...extra,
  });
}

/**
 * A sync call in flight when a worker is SIGKILLed is billed with no one left to record it: the
 * retry bills it again. That is the only double billing allowed, and the report owns up to it as
 * unconfirmed calls (test/soak/sync-crash.test.ts); a batch answer is never billed twice.
 */
export function expectDoubleBillingOwnedUp(doubleBilled: number, report: { unconfirmedCalls?: number }) {
  expect(doubleBilled).toBeLessThanOrEqual(report.unconfirmedCalls ?? 0);
}

/** The guarantees every chaos run must keep. */
export function expectChaosGuarantees(report: Parameters<typeof verifyRunFiles>[0], inputPath: string) {
  expect(verifyRunFiles(report, inputPath, 'id').problems).toEqual([]);
  const validate = new Ajv().compile(LABEL_SCHEMA);
  for (const result of readJsonl(report.files.results)) {
    expect(typeof result.output).toBe('string');
    expect(validate(JSON.parse(result.output as string))).toBe(true);
  }
  const deadLetters = readJsonl(report.files.deadLetter) as unknown as DeadLetterLine[];
  for (const d of deadLetters) {
    expect(d.attempts.length).toBeGreaterThan(0);
    expect(d.retryable).toBe(d.attempts[d.attempts.length - 1].retryable);
    // A permanent failure is the last attempt an item gets: it never burns another strike.
    const permanent = d.attempts.findIndex((a) => !a.retryable);
    if (permanent >= 0) expect(permanent).toBe(d.attempts.length - 1);
  }
  return deadLetters;
}
