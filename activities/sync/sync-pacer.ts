// Paces sync calls under the spec's rpm / tpm, shared by every round, run and worker that calls the
// same provider and model (DESIGN.md rule 7: a limiter inside one activity is not a limit; four
// chunks in strike 3 at once must not send four times the rpm). The rates live in the store
// (store/rate-limits.ts), shaped by sync-pacing.ts: a call takes the next slot in one upsert and
// waits for it; a 429's retry-after holds every caller of the key.
import type { RateCost, RateLimits } from '../../store';
import { LAG_ALLOWANCE_MS, bucketFor } from './sync-pacing';

export interface SyncPacer {
  /** Resolves when a call estimated at `tokens` (input and output) may be sent. */
  acquire(tokens: number): Promise<void>;
  /**
   * The provider refused a call for its rate limit and said when to try again: no caller sends
   * before then (one lane's 429 means the others' next calls would be refused too).
   */
  holdFor(ms: number): Promise<void>;
}

export interface PacerLimits {
  /** Per minute; 0 = no limit. */
  rpm: number;
  tpm: number;
}

export interface PacerClock {
  now?: () => number;
  sleep: (ms: number) => Promise<void>;
}

const NO_LIMIT: RateCost = { costMs: 0, capacityMs: 0 };

/** A call of `amount` (1 request, or its tokens) against a per-minute `limit`, as the bucket shapes it. */
function costOf(limit: number, amount: number): RateCost {
  if (!(limit > 0)) return NO_LIMIT;
  const count = Math.min(Math.max(0, Math.ceil(amount)), limit);
  // A call larger than the lag allowance widens the burst to hold it whole (sync-pacing.ts).
  const { burst, perMinute } = bucketFor(limit, count);
  const msPerUnit = (60_000 + LAG_ALLOWANCE_MS) / perMinute;
  return { costMs: count * msPerUnit, capacityMs: burst * msPerUnit };
}

/** The key a provider's limits are counted under: its name and the model, as providers count them. */
export const syncRateKey = (provider: string, model: string) => `sync:${provider}:${model}`;

export function createSharedPacer(rates: RateLimits, key: string, limits: PacerLimits, clock: PacerClock): SyncPacer {
  return {
    async acquire(tokens) {
      const wait = await rates.take(key, {
        requests: costOf(limits.rpm, 1),
        tokens: costOf(limits.tpm, tokens),
        nowMs: clock.now?.(),
      });
      if (wait > 0) await clock.sleep(wait);
    },
    holdFor: (ms) => rates.hold(key, ms, clock.now?.()),
  };
}
