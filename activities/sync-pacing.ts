// How a round paces its sync calls under a per-minute limit (rpm or tpm), as numbers only: a token
// bucket whose burst plus a minute's refill never exceeds the limit. Providers count their limits
// over a sliding minute (the simulator does too), so a bucket that starts with a whole minute's
// allowance (limiter's RateLimiter) sends up to twice the limit in a minute and then meets a wall
// of 429s; and both OpenAI and Anthropic say they may enforce a minute's limit over shorter spans,
// so bursts are refused even under the minute's count. A burst of 1% of the limit absorbs timer and
// event-loop lag (a lane that wakes late catches up instead of losing its slot) while burst + refill
// stays within the limit in any minute.

/** Share of a per-minute limit kept as burst; the steady rate is the rest. */
export const BURST_SHARE = 0.01;

export interface BucketShape {
  /** The most that can go at once (and what the bucket holds at the start). */
  burst: number;
  /** The steady refill, per minute. */
  perMinute: number;
}

/**
 * The bucket for a limit of `limit` per minute. A burst of one is plain spacing (60 s / limit
 * apart), which never puts more than `limit` calls in a sliding minute; each unit of burst beyond
 * that can add one, so it comes off the steady rate: the steady rate is at least 99% of the limit.
 */
export function bucketFor(limit: number): BucketShape {
  if (!(limit > 0)) throw new RangeError(`a per-minute limit must be positive, not ${limit}`);
  const burst = Math.max(1, Math.floor(limit * BURST_SHARE));
  return { burst, perMinute: limit - (burst - 1) };
}

/**
 * What one call takes from a bucket, in pieces no larger than the burst (a bucket cannot hand out
 * more than it holds). A call larger than the whole minute's limit is counted as the limit: the
 * provider would refuse it anyway, and waiting longer than a minute for it would not change that.
 */
export function piecesOf(amount: number, shape: BucketShape, limit: number): number[] {
  let left = Math.min(Math.max(0, Math.ceil(amount)), limit);
  const pieces: number[] = [];
  while (left > 0) {
    const piece = Math.min(left, shape.burst);
    pieces.push(piece);
    left -= piece;
  }
  return pieces;
}
