// How a round paces its sync calls under a per-minute limit (rpm or tpm), as numbers only: a token
// bucket whose burst plus a minute's refill never exceeds the limit. Providers count their limits
// over a sliding minute (the simulator does too), so a bucket that starts with a whole minute's
// allowance (limiter's RateLimiter) sends up to twice the limit in a minute and then meets a wall
// of 429s; and both OpenAI and Anthropic say they may enforce a minute's limit over shorter spans,
// so bursts are refused even under the minute's count. A burst of 100 ms worth of the limit absorbs
// timer and event-loop lag (a lane that wakes late catches up instead of losing its slot) while
// burst + refill stays within the limit in any minute, at a cost of 0.2% of the steady rate at most.

/** The lag the burst absorbs: this share of a minute's limit (100 ms worth). */
export const BURST_SHARE = 1 / 600;

/**
 * Slots are spaced as if a minute were this much longer. A call leaves some milliseconds after its
 * slot (a timer, the event loop, the network), and not by the same amount each time: at a low limit
 * (120 rpm has a burst of one) two calls a minute apart in slots could reach the provider less than
 * a minute apart and the later one be refused. 100 ms costs 0.17% of the rate.
 */
export const LAG_ALLOWANCE_MS = 100;

export interface BucketShape {
  /** The most that can go at once (and what the bucket holds at the start). */
  burst: number;
  /** The steady refill, per minute. */
  perMinute: number;
}

/**
 * The bucket for a limit of `limit` per minute. A burst of one is plain spacing (60 s / limit
 * apart), which never puts more than `limit` calls in a sliding minute; each unit of burst beyond
 * that can add one, so it comes off the steady rate: the steady rate is at least 99.8% of the limit
 * when the burst is the lag allowance. A call must fit in the burst whole (the provider counts it
 * at once, so taking it in pieces would let a minute hold more than the limit): `largestCall` widens
 * the burst, up to the limit itself (a call larger than that is refused by the provider anyway).
 */
export function bucketFor(limit: number, largestCall = 1): BucketShape {
  if (!(limit > 0)) throw new RangeError(`a per-minute limit must be positive, not ${limit}`);
  const burst = Math.min(limit, Math.max(1, Math.floor(limit * BURST_SHARE), Math.ceil(largestCall)));
  return { burst, perMinute: Math.max(1, limit - (burst - 1)) };
}
