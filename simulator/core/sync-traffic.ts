// What reached the sync lane, as a provider's dashboard would show it: how many requests came
// (admitted or refused with a 429), when the first and last came, and the most that came within
// any one rate window (profile sync.windowMs, a minute by default). Tests and benchmarks prove
// with it that a limit shared by many chunks was kept by all of them together.
export interface SyncTrafficSnapshot {
  requests: number;
  /** Simulator clock (ms) of the first and last request; 0 before any. */
  firstAt: number;
  lastAt: number;
  /** The most requests within any window of `windowMs`. */
  busiestWindow: number;
  windowMs: number;
}

export class SyncTraffic {
  private requests = 0;
  private firstAt = 0;
  private lastAt = 0;
  private busiest = 0;
  private windowMs = 60_000;
  /** Arrival times within the current window (a queue: `head` marks its start). */
  private recent: number[] = [];
  private head = 0;

  record(now: number, windowMs: number): void {
    if (windowMs !== this.windowMs) {
      this.windowMs = windowMs;
      this.busiest = 0;
    }
    if (this.requests === 0) this.firstAt = now;
    this.requests++;
    this.lastAt = now;
    this.recent.push(now);
    while (this.recent[this.head] <= now - windowMs) this.head++;
    if (this.head > 4096) {
      this.recent = this.recent.slice(this.head);
      this.head = 0;
    }
    this.busiest = Math.max(this.busiest, this.recent.length - this.head);
  }

  snapshot(): SyncTrafficSnapshot {
    return {
      requests: this.requests,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      busiestWindow: this.busiest,
      windowMs: this.windowMs,
    };
  }
}
