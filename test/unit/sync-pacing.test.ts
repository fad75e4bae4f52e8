// The sync lane's pacing against a provider that counts over a sliding minute (the simulator's own
// window, simulator/core/rate-limit.ts), through the store's shared rates on virtual time: minutes of
// calls in seconds. What a user cares about: every call admitted (no 429), at close to the
// configured rate, however many rounds share the limit, and a 429's retry-after holding them all.
import { SlidingWindowLimiter } from '../../simulator/core/rate-limit';
import { bucketFor } from '../../activities/sync/sync-pacing';
import { createSharedPacer, type SyncPacer } from '../../activities/sync/sync-pacer';
import type { RunStore } from '../../store';
import { useTestStore } from '../support/fake-provider';

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

describe('shared pacers against a sliding-minute provider', () => {
  let store: RunStore;
  useTestStore((s) => (store = s));

  /**
   * `lanes` callers spread over `rounds` pacers of one key, each acquiring and then calling (the
   * provider answers after latencyMs), for `ms` of virtual time. Events run in time order, so the
   * store sees the calls in the order real lanes would make them.
   */
  async function drive(opts: {
    key: string;
    rpm: number;
    tpm: number;
    rounds: number;
    lanes: number;
    ms: number;
    tokens: number;
    latencyMs: number;
  }) {
    const provider = new SlidingWindowLimiter();
    let now = 1_000_000_000;
    let waited = 0;
    const clock = { now: () => now, sleep: async (ms: number) => void (waited = ms) };
    const pacers: SyncPacer[] = Array.from({ length: opts.rounds }, () =>
      createSharedPacer(store.rates, opts.key, { rpm: opts.rpm, tpm: opts.tpm }, clock),
    );
    const start = now;
    const end = start + opts.ms;
    // Each lane's next event: acquire (then call at the slot) or call (then acquire after the answer).
    const events = Array.from({ length: opts.lanes }, (_, lane) => ({
      at: start,
      lane,
      step: 'acquire',
    }));
    let admitted = 0;
    let refused = 0;
    for (;;) {
      events.sort((a, b) => a.at - b.at);
      const event = events[0];
      if (event.at >= end) break;
      now = event.at;
      const pacer = pacers[event.lane % opts.rounds];
      if (event.step === 'acquire') {
        waited = 0;
        await pacer.acquire(opts.tokens);
        Object.assign(event, { at: now + waited, step: 'call' });
        continue;
      }
      const verdict = provider.admit(now, opts.tokens, opts.rpm, opts.tpm);
      if (verdict.ok) admitted++;
      else {
        refused++;
        await pacer.holdFor(verdict.retryAfterMs);
      }
      Object.assign(event, { at: now + opts.latencyMs, step: 'acquire' });
    }
    return { admitted, refused, perMinute: admitted / (opts.ms / 60_000) };
  }

  it('sends 3,000 rpm for two minutes with no 429 and at 99.5% of the rate', async () => {
    const got = await drive({
      key: 'k-rpm',
      rpm: 3000,
      tpm: 0,
      rounds: 1,
      lanes: 16,
      ms: 120_000,
      tokens: 130,
      latencyMs: 100,
    });
    expect(got.refused).toBe(0);
    expect(got.perMinute).toBeGreaterThanOrEqual(3000 * 0.995);
    expect(got.perMinute).toBeLessThanOrEqual(3000);
  });

  it('keeps four rounds of one key under one limit: no 429, 99% of it in all', async () => {
    const got = await drive({
      key: 'k-shared',
      rpm: 120,
      tpm: 0,
      rounds: 4,
      lanes: 32,
      ms: 300_000,
      tokens: 130,
      latencyMs: 100,
    });
    expect(got.refused).toBe(0);
    expect(got.perMinute).toBeGreaterThanOrEqual(120 * 0.99);
    expect(got.perMinute).toBeLessThanOrEqual(120);
  });

  it('paces by tokens when the tpm binds: no 429 and 98% of the tokens', async () => {
    const got = await drive({
      key: 'k-tpm',
      rpm: 0,
      tpm: 60_000,
      rounds: 2,
      lanes: 8,
      ms: 120_000,
      tokens: 130,
      latencyMs: 50,
    });
    expect(got.refused).toBe(0);
    expect(got.perMinute * 130).toBeGreaterThanOrEqual(60_000 * 0.98);
    expect(got.perMinute * 130).toBeLessThanOrEqual(60_000);
  });

  it("holds every caller of the key until a 429's retry-after, and no other key", async () => {
    let now = 5_000_000_000;
    const waits: number[] = [];
    const clock = { now: () => now, sleep: async (ms: number) => void waits.push(ms) };
    const held = createSharedPacer(store.rates, 'k-held', { rpm: 0, tpm: 0 }, clock);
    const other = createSharedPacer(store.rates, 'k-free', { rpm: 0, tpm: 0 }, clock);
    await held.holdFor(500);
    now += 100;
    await createSharedPacer(store.rates, 'k-held', { rpm: 0, tpm: 0 }, clock).acquire(1);
    await held.acquire(1);
    await other.acquire(1);
    expect(waits).toEqual([400, 400]);
  });
});
