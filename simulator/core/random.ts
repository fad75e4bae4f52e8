// Seeded randomness. Every fault the simulator injects is drawn from one of these, never from
// Math.random, so a failing resilience test can be replayed exactly: same seed, same order of
// calls, same faults.

// Bound once: under jest the global Math belongs to another realm, and looking up Math.imul on it
// every call costs a hundred times the multiplication (it can no longer be inlined).
const imul = Math.imul;

/** mulberry32: tiny, fast, good enough statistically for fault draws; 32-bit state. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** True with probability p. A rate of 0 never fires and a rate of 1 always does. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (max <= min) return min;
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** A fresh 32-bit seed, to hand an independent stream to a sub-component (one per batch). */
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 4294967296));
  }
}

/** FNV-1a over a string: derives stable seeds from text (a request hash, a stream name). */
export function seedFromString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Independent named streams from one seed, so turning one fault knob does not reshuffle the others. */
export function streamRng(seed: number, stream: string): Rng {
  return new Rng((seed ^ seedFromString(stream)) >>> 0);
}
