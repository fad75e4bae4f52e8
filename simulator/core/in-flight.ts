// How many batches were in flight at once, at most: what a provider's "concurrent batches" limit
// counts (a batch is in flight from its creation until it reaches a final status). Tests prove
// with it that a limit shared across runs held.
export interface Span {
  startMs: number;
  /** Infinity while the batch runs. */
  endMs: number;
}

/** The spans of batches that know when they were created and, once over, when they ended. */
export function spansOf(batches: Iterable<{ createdAtMs: number; endedAtMs?: number }>): Span[] {
  return [...batches].map((b) => ({ startMs: b.createdAtMs, endMs: b.endedAtMs ?? Infinity }));
}

export function peakInFlight(spans: readonly Span[]): number {
  // Ends before starts at the same instant: a batch that ends as another begins does not overlap it.
  const events = spans.flatMap((s) => [
    { at: s.startMs, delta: 1 },
    { at: s.endMs, delta: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let peak = 0;
  for (const e of events) {
    now += e.delta;
    peak = Math.max(peak, now);
  }
  return peak;
}
