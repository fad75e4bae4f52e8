// Durations as Temporal writes them ('250ms', '60s', '5m', '20h', '1d'), turned into milliseconds
// so workflows and activities share one number and tests can shrink every delay.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

export function isDuration(text: string): boolean {
  return DURATION.test(text.trim());
}

export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new Error(`not a duration: "${text}" (use e.g. 250ms, 60s, 5m, 20h)`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2]]);
}

/** Milliseconds written back as a spec would write them: 24h, 90m, 2s, 250ms (the largest whole unit up to hours). */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
