// The sync lane's pacing against a provider that counts over a sliding minute (the simulator's own
// window, simulator/rate-limit.ts), on fake timers: minutes of calls in milliseconds. What a user
// cares about: every call admitted (no 429), at close to the configured rate, and a 429's
// retry-after holding every lane.
import { SlidingWindowLimiter } from '../../simulator/rate-limit';
import { bucketFor } from '../../activities/sync-pacing';
import { createLocalPacer, type SyncPacer } from '../../activities/sync-pacer';

describe('bucketFor', () => {
  it.each([1, 10, 99, 100, 120, 3000, 10_000, 2_000_000])(
    'keeps burst + a minute within %i and the steady rate at 99.8% or more',
    (limit) => {
      const { burst, perMinute } = bucketFor(limit);
      expect(burst).toBeGreaterThanOrEqual(1);
      expect(burst - 1 + perMinute).toBeLessThanOrEqual(limit);
      expect(perMinute).toBeGreaterThanOrEqual(limit * 0.998);
    },
  );

  it('refuses a limit that is not positive', () => {
    expect(() => bucketFor(0)).toThrow(RangeError);
  });
});

describe('bucketFor a call larger than the lag allowance', () => {
  it('widens the burst to hold the call whole and slows the refill to keep the minute within the limit', () => {
    expect(bucketFor(60_000)).toEqual({ burst: 100, perMinute: 59_901 });
    const { burst, perMinute } = bucketFor(60_000, 130);
    expect(burst).toBe(130);
    expect(burst - 1 + perMinute).toBeLessThanOrEqual(60_000);
    expect(bucketFor(100, 500).burst).toBe(100); // never beyond the limit
  });
});

describe('createLocalPacer against a sliding-minute provider', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  /** `lanes` callers, each acquiring and calling (the provider answers after latencyMs) for `ms`. */
  async function drive(pacer: SyncPacer, opts: { lanes: number; ms: number; tokens: number; latencyMs: number }) {
    const provider = new SlidingWindowLimiter();
    const { rpm, tpm } = limitsOf.get(pacer)!;
    const end = Date.now() + opts.ms;
    let admitted = 0;
    let refused = 0;
    const lane = async () => {
      while (Date.now() < end) {
        await pacer.acquire(opts.tokens);
        if (Date.now() >= end) break;
        const verdict = provider.admit(Date.now(), opts.tokens, rpm, tpm);
        if (verdict.ok) admitted++;
        else {
          refused++;
          pacer.holdFor(verdict.retryAfterMs);
        }
        await new Promise((resolve) => setTimeout(resolve, opts.latencyMs));
      }
    };
    const lanes = Promise.all(Array.from({ length: opts.lanes }, lane));
    await jest.advanceTimersByTimeAsync(opts.ms + 1000);
    await lanes;
    return { admitted, refused, perMinute: admitted / (opts.ms / 60_000) };
  }
  const limitsOf = new Map<SyncPacer, { rpm: number; tpm: number }>();
  const pacer = (rpm: number, tpm: number) => {
    const p = createLocalPacer({ rpm, tpm });
    limitsOf.set(p, { rpm, tpm });
    return p;
  };

  it('sends 3,000 rpm for three minutes with no 429 and at 99.5% of the rate', async () => {
    const got = await drive(pacer(3000, 0), { lanes: 16, ms: 180_000, tokens: 130, latencyMs: 100 });
    expect(got.refused).toBe(0);
    expect(got.perMinute).toBeGreaterThanOrEqual(3000 * 0.995);
    expect(got.perMinute).toBeLessThanOrEqual(3000);
  });

  it('paces by tokens when the tpm binds: no 429 and 99% of the tokens', async () => {
    const got = await drive(pacer(0, 60_000), { lanes: 8, ms: 180_000, tokens: 130, latencyMs: 50 });
    expect(got.refused).toBe(0);
    expect(got.perMinute * 130).toBeGreaterThanOrEqual(60_000 * 0.98);
    expect(got.perMinute * 130).toBeLessThanOrEqual(60_000);
  });

  it('holds every caller until the retry-after a 429 gave', async () => {
    const p = pacer(0, 0);
    const start = Date.now();
    p.holdFor(500);
    const times: number[] = [];
    const calls = [1, 2, 3].map(() => p.acquire(1).then(() => times.push(Date.now() - start)));
    await jest.advanceTimersByTimeAsync(1000);
    await Promise.all(calls);
    expect(times).toHaveLength(3);
    for (const t of times) expect(t).toBeGreaterThanOrEqual(500);
  });
});
