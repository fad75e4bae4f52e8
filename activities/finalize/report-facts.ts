// What report.html plots beyond the totals: how far items went through the strikes, and why the
// dead letters failed (with a few samples), counted as finalize writes the lines.
import type { RunReport, StrikeFunnel } from '../../common';
import { FINAL_STRIKE, type FailureRow } from '../../store';

const SAMPLES = 3;
/** A sample's error text is cut here: the page shows a few of them, not a log. */
const SAMPLE_CHARS = 300;

/**
 * Unique requests only: a duplicate line rides on its first occurrence, and a cache hit never went
 * to a provider. An item reached strike N when it was answered at N or later, or when its last
 * failure was at N or later; an item that died with no attempt (a failed chunk, a cancel) reached 1.
 */
export class StrikeCounter {
  readonly funnel: StrikeFunnel = { strike1: 0, strike2: 0, strike3: 0, deadLettered: 0 };
  answered(strike: number) {
    this.reached(strike);
  }
  deadLettered(attemptStrikes: number[]) {
    this.reached(Math.max(1, ...attemptStrikes));
    this.funnel.deadLettered++;
  }
  private reached(strike: number) {
    this.funnel.strike1++;
    if (strike >= 2) this.funnel.strike2++;
    if (strike >= 3) this.funnel.strike3++;
  }
}

export class DeadLetterReasons {
  readonly byKind: NonNullable<RunReport['deadLetterReasons']> = {};
  add(kind: string, sample: { id: string | null; line: number; error: string }) {
    const entry = (this.byKind[kind] ??= { count: 0, samples: [] });
    entry.count++;
    if (entry.samples.length < SAMPLES) entry.samples.push({ ...sample, error: sample.error.slice(0, SAMPLE_CHARS) });
  }
  /** How many of each kind: the metrics' dead-letter counter. */
  counts(): [string, number][] {
    return Object.entries(this.byKind).map(([kind, { count }]) => [kind, count]);
  }
}

/**
 * An item's attempts with the strike each was at, 1 to 3. The store keeps a failure that ended the
 * item outside its strikes (its chunk failed, the run was cancelled) under FINAL_STRIKE; the item was
 * then waiting for the strike after its last attempt (strike 1 with none), which is what a dead
 * letter's reader and the strike funnel count.
 */
export function attemptStrikes<T extends Pick<FailureRow, 'strike'>>(attempts: T[]): T[] {
  let last = 0;
  return attempts.map((attempt) => {
    const strike = attempt.strike === FINAL_STRIKE ? Math.min(3, last + 1) : attempt.strike;
    last = Math.max(last, strike);
    return { ...attempt, strike };
  });
}
