// Paces a round's sync calls under the spec's rpm / tpm. Behind a small interface so that issue 12
// can put a store-backed pacer, shared by every chunk, run and worker (DESIGN.md rule 7), where this
// one stands: today each round paces only itself. The local pacer is limiter's TokenBucket (FIFO,
// one timer for all waiters) shaped by sync-pacing.ts, plus a hold that a 429 sets for every lane.
import { TokenBucket } from 'limiter';
import { bucketFor } from './sync-pacing';

export interface SyncPacer {
  /** Resolves when a call estimated at `tokens` (input and output) may be sent. */
  acquire(tokens: number): Promise<void>;
  /**
   * The provider refused a call for its rate limit and said when to try again: no lane sends before
   * then (one lane's 429 means the others' next calls would be refused too).
   */
  holdFor(ms: number): void;
}

export interface PacerLimits {
  /** Per minute; 0 = no limit. */
  rpm: number;
  tpm: number;
}

type Sleep = (ms: number) => Promise<void>;

const timerSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

interface Bucket {
  limit: number;
  bucket: TokenBucket;
}

function bucketOf(limit: number): Bucket | undefined {
  if (!(limit > 0)) return undefined;
  const shape = bucketFor(limit);
  const bucket = new TokenBucket({ bucketSize: shape.burst, tokensPerInterval: shape.perMinute, interval: 'minute' });
  bucket.content = shape.burst; // the burst is within the limit (sync-pacing.ts), so it may go at once
  return { limit, bucket };
}

async function take(b: Bucket | undefined, amount: number): Promise<void> {
  if (!b) return;
  const count = Math.min(Math.max(0, Math.ceil(amount)), b.limit);
  if (count > b.bucket.bucketSize) {
    // A call larger than the burst: widen it to hold the call whole, and slow the refill to match.
    const shape = bucketFor(b.limit, count);
    b.bucket.bucketSize = shape.burst;
    b.bucket.tokensPerInterval = shape.perMinute;
  }
  await b.bucket.removeTokens(count);
}

/** A pacer for one round; `sleep` is the activity's, so a hold ends early when the activity is cancelled. */
export function createLocalPacer(limits: PacerLimits, sleep: Sleep = timerSleep): SyncPacer {
  const requests = bucketOf(limits.rpm);
  const tokens = bucketOf(limits.tpm);
  let heldUntil = 0;
  return {
    async acquire(estimate) {
      for (let wait = heldUntil - Date.now(); wait > 0; wait = heldUntil - Date.now()) await sleep(wait);
      await take(tokens, estimate);
      await take(requests, 1);
    },
    holdFor(ms) {
      heldUntil = Math.max(heldUntil, Date.now() + ms);
    },
  };
}
