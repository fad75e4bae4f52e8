// Sync-lane rate limits (profile sync.rpm / sync.tpm) over a sliding 60-second window, answered
// the way OpenAI answers: 429 with `retry-after` and the `x-ratelimit-*` headers, so the
// pipeline's backoff is exercised against the same signals it will see in production.
const WINDOW_MS = 60_000;

export interface LimitVerdict {
  ok: boolean;
  /** Which limit refused the request (OpenAI's error `type`). */
  kind?: 'requests' | 'tokens';
  retryAfterMs: number;
  headers: Record<string, string>;
}

export class SlidingWindowLimiter {
  private events: Array<{ at: number; tokens: number }> = [];
  private head = 0;
  private tokensInWindow = 0;

  /** Checks and, when admitted, records the request. Rejected requests do not use up the window. */
  admit(now: number, tokens: number, rpm: number, tpm: number): LimitVerdict {
    if (rpm <= 0 && tpm <= 0) return { ok: true, retryAfterMs: 0, headers: {} };
    this.prune(now);
    const count = this.events.length - this.head;
    let kind: 'requests' | 'tokens' | undefined;
    let retryAfterMs = 0;
    if (rpm > 0 && count >= rpm) {
      kind = 'requests';
      retryAfterMs = this.events[this.head].at + WINDOW_MS - now;
    } else if (tpm > 0 && this.tokensInWindow + tokens > tpm) {
      kind = 'tokens';
      retryAfterMs = tokens > tpm ? WINDOW_MS : this.waitForTokens(now, tpm - tokens);
    }
    if (!kind) {
      this.events.push({ at: now, tokens });
      this.tokensInWindow += tokens;
    }
    return { ok: !kind, kind, retryAfterMs: Math.max(1, retryAfterMs), headers: this.headers(now, rpm, tpm) };
  }

  clear(): void {
    this.events = [];
    this.head = 0;
    this.tokensInWindow = 0;
  }

  private prune(now: number): void {
    while (this.head < this.events.length && this.events[this.head].at <= now - WINDOW_MS) {
      this.tokensInWindow -= this.events[this.head].tokens;
      this.head += 1;
    }
    // Compact now and then so the array does not grow for the life of the server.
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  /** How long until the window holds at most `budget` tokens. */
  private waitForTokens(now: number, budget: number): number {
    let remaining = this.tokensInWindow;
    for (let i = this.head; i < this.events.length; i++) {
      remaining -= this.events[i].tokens;
      if (remaining <= budget) return this.events[i].at + WINDOW_MS - now;
    }
    return WINDOW_MS;
  }

  private headers(now: number, rpm: number, tpm: number): Record<string, string> {
    const h: Record<string, string> = {};
    const oldest = this.head < this.events.length ? this.events[this.head].at : now;
    const reset = `${Math.max(0, oldest + WINDOW_MS - now) / 1000}s`;
    if (rpm > 0) {
      h['x-ratelimit-limit-requests'] = String(rpm);
      h['x-ratelimit-remaining-requests'] = String(Math.max(0, rpm - (this.events.length - this.head)));
      h['x-ratelimit-reset-requests'] = reset;
    }
    if (tpm > 0) {
      h['x-ratelimit-limit-tokens'] = String(tpm);
      h['x-ratelimit-remaining-tokens'] = String(Math.max(0, tpm - this.tokensInWindow));
      h['x-ratelimit-reset-tokens'] = reset;
    }
    return h;
  }
}

/** OpenAI sends both: whole seconds for generic clients, milliseconds for its own SDKs. */
export function retryAfterHeaders(ms: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(Math.ceil(ms)) };
}
