// Sync-lane rate limits (profile sync.rpm / sync.tpm) over a sliding window (60 s, as the real
// services count; profile sync.windowMs shrinks it so tests need not wait minutes), answered
// the way each provider answers: 429 with `retry-after` and OpenAI's `x-ratelimit-*` or
// Anthropic's `anthropic-ratelimit-*` headers, so the pipeline's backoff is exercised against the
// same signals it will see in production. Each provider has its own window, as each real
// service counts only its own traffic.
const DEFAULT_WINDOW_MS = 60_000;

export interface LimitVerdict {
  ok: boolean;
  /** Which limit refused the request (OpenAI's error `type`). */
  kind?: 'requests' | 'tokens';
  retryAfterMs: number;
  /** OpenAI's `x-ratelimit-*` headers (empty when no limit is set). */
  headers: Record<string, string>;
  window: WindowState;
}

/** Where the window stands after the verdict: what the headers of either provider report. */
export interface WindowState {
  rpm: number;
  tpm: number;
  remainingRequests: number;
  remainingTokens: number;
  /** Milliseconds until the oldest counted request leaves the window. */
  resetMs: number;
}

export class SlidingWindowLimiter {
  private events: Array<{ at: number; tokens: number }> = [];
  private head = 0;
  private tokensInWindow = 0;
  private windowMs = DEFAULT_WINDOW_MS;

  /** Checks and, when admitted, records the request. Rejected requests do not use up the window. */
  admit(now: number, tokens: number, rpm: number, tpm: number, windowMs = DEFAULT_WINDOW_MS): LimitVerdict {
    this.windowMs = windowMs;
    if (rpm <= 0 && tpm <= 0)
      return {
        ok: true,
        retryAfterMs: 0,
        headers: {},
        window: { rpm, tpm, remainingRequests: 0, remainingTokens: 0, resetMs: 0 },
      };
    this.prune(now);
    const count = this.events.length - this.head;
    let kind: 'requests' | 'tokens' | undefined;
    let retryAfterMs = 0;
    if (rpm > 0 && count >= rpm) {
      kind = 'requests';
      retryAfterMs = this.events[this.head].at + this.windowMs - now;
    } else if (tpm > 0 && this.tokensInWindow + tokens > tpm) {
      kind = 'tokens';
      retryAfterMs = tokens > tpm ? this.windowMs : this.waitForTokens(now, tpm - tokens);
    }
    if (!kind) {
      this.events.push({ at: now, tokens });
      this.tokensInWindow += tokens;
    }
    const window = this.window(now, rpm, tpm);
    return { ok: !kind, kind, retryAfterMs: Math.max(1, retryAfterMs), headers: openaiHeaders(window), window };
  }

  clear(): void {
    this.events = [];
    this.head = 0;
    this.tokensInWindow = 0;
  }

  private prune(now: number): void {
    while (this.head < this.events.length && this.events[this.head].at <= now - this.windowMs) {
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
      if (remaining <= budget) return this.events[i].at + this.windowMs - now;
    }
    return this.windowMs;
  }

  private window(now: number, rpm: number, tpm: number): WindowState {
    const oldest = this.head < this.events.length ? this.events[this.head].at : now;
    return {
      rpm,
      tpm,
      remainingRequests: Math.max(0, rpm - (this.events.length - this.head)),
      remainingTokens: Math.max(0, tpm - this.tokensInWindow),
      resetMs: Math.max(0, oldest + this.windowMs - now),
    };
  }
}

function openaiHeaders(w: WindowState): Record<string, string> {
  const h: Record<string, string> = {};
  const reset = `${w.resetMs / 1000}s`;
  if (w.rpm > 0) {
    h['x-ratelimit-limit-requests'] = String(w.rpm);
    h['x-ratelimit-remaining-requests'] = String(w.remainingRequests);
    h['x-ratelimit-reset-requests'] = reset;
  }
  if (w.tpm > 0) {
    h['x-ratelimit-limit-tokens'] = String(w.tpm);
    h['x-ratelimit-remaining-tokens'] = String(w.remainingTokens);
    h['x-ratelimit-reset-tokens'] = reset;
  }
  return h;
}

/** Anthropic's headers: limits, what remains, and RFC 3339 reset times; tokens also as input tokens. */
export function anthropicRateHeaders(w: WindowState, nowMs: number): Record<string, string> {
  const h: Record<string, string> = {};
  const reset = new Date(nowMs + w.resetMs).toISOString();
  if (w.rpm > 0) {
    h['anthropic-ratelimit-requests-limit'] = String(w.rpm);
    h['anthropic-ratelimit-requests-remaining'] = String(w.remainingRequests);
    h['anthropic-ratelimit-requests-reset'] = reset;
  }
  if (w.tpm > 0)
    for (const kind of ['tokens', 'input-tokens']) {
      h[`anthropic-ratelimit-${kind}-limit`] = String(w.tpm);
      h[`anthropic-ratelimit-${kind}-remaining`] = String(w.remainingTokens);
      h[`anthropic-ratelimit-${kind}-reset`] = reset;
    }
  return h;
}

/** OpenAI sends both: whole seconds for generic clients, milliseconds for its own SDKs. */
export function retryAfterHeaders(ms: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(Math.ceil(ms)) };
}
