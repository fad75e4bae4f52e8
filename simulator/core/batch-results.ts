// What a batch's requests turn into, on every family's batches: the per-item fault draws, the
// batch's fate, what it bills, and the off-heap log its answer lines are written into. Each answer
// line goes straight into large off-heap buffers (a LineLog), so the strings die young instead of
// being promoted and copied by the garbage collector; the output and error files are then views
// into those buffers, picked in runs: no line is copied again, and nothing is ever joined into one
// giant string or buffer.
import type { Corruption } from './fake-model';
import type { BilledItems } from './ledger';
import { seedFromString, type Rng } from './random';
import type { Profile } from './profile';
import { NO_CACHE_USE } from '../anthropic/prompt-cache';

export enum Outcome {
  Ok = 0,
  CorruptSchema = 1,
  CorruptEmpty = 2,
  Retryable500 = 3,
  Retryable429 = 4,
  Permanent = 5,
}

export interface ItemRates {
  retryableErrorRate: number;
  permanentErrorRate: number;
  corruptRate: number;
  /** true: a permanent error is drawn afresh on each attempt (chaos tests); else it sticks to the item. */
  permanentErrorsRedrawn?: boolean;
  /** The profile's seed, for the keyed draw of permanent errors. */
  seed?: number;
}

/** The item rates of a profile, with its seed for the keyed draw. */
export function itemRatesOf(profile: Profile): ItemRates {
  return { ...profile.items, seed: profile.seed };
}

/**
 * Whether the item with this key (its custom id; a sync request's body hash) is one of the
 * requests the service refuses whatever the attempt: a pure function of (seed, key, rate), as a
 * real service refuses the same bad request every time it is sent.
 */
export function permanentlyBad(seed: number, key: string, rate: number): boolean {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  // FNV-1a alone leaves keys that differ in their last characters (ticket-1, ticket-2) close together
  // in the high bits; murmur3's finalizer spreads them over the whole range.
  let h = seedFromString(`${seed >>> 0}\u0000permanent\u0000${key}`);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 4294967296 < rate;
}

export function isFailure(o: Outcome): boolean {
  return o >= Outcome.Retryable500;
}

/**
 * Two draws per item whatever the rates, so an item's fate depends only on the seed and its
 * position. The rates are cumulative probabilities: retryable, then permanent, then corrupt.
 * With a `key` (and permanentErrorsRedrawn off), the permanent error is not drawn but decided by
 * the key (permanentlyBad): the same item fails so on every attempt, and before anything else.
 */
export function drawOutcome(rates: ItemRates, rng: Rng, key?: string): Outcome {
  const u = rng.next();
  const v = rng.next();
  const r = rates.retryableErrorRate;
  if (key !== undefined && !rates.permanentErrorsRedrawn) {
    if (permanentlyBad(rates.seed ?? 0, key, rates.permanentErrorRate)) return Outcome.Permanent;
    if (u < r) return v < 0.5 ? Outcome.Retryable500 : Outcome.Retryable429;
    if (u < r + rates.corruptRate) return v < 0.5 ? Outcome.CorruptSchema : Outcome.CorruptEmpty;
    return Outcome.Ok;
  }
  if (u < r) return v < 0.5 ? Outcome.Retryable500 : Outcome.Retryable429;
  const p = r + rates.permanentErrorRate;
  if (u < p) return Outcome.Permanent;
  if (u < p + rates.corruptRate) return v < 0.5 ? Outcome.CorruptSchema : Outcome.CorruptEmpty;
  return Outcome.Ok;
}

export function corruptionOf(o: Outcome): Corruption {
  return o === Outcome.CorruptSchema ? 'schema' : o === Outcome.CorruptEmpty ? 'empty' : 'none';
}

/** failedBefore[k] = failures among the first k items, so progress counts are O(1) at any k. */
export function failurePrefix(outcomes: ArrayLike<number>): Uint32Array {
  const prefix = new Uint32Array(outcomes.length + 1);
  for (let i = 0; i < outcomes.length; i++) prefix[i + 1] = prefix[i] + (isFailure(outcomes[i]) ? 1 : 0);
  return prefix;
}

/** ~256 KB per chunk for typical lines: big enough to stream efficiently, small enough never to spike memory. */
const LINES_PER_CHUNK = 256;
const LOG_BLOCK_BYTES = 1 << 20;

/**
 * Lines appended in item order into 1 MB buffers. Any subset of them, in order, can then be taken
 * as a list of views (`pick`), consecutive lines merged into one view.
 */
export class LineLog {
  private readonly blocks: Buffer[] = [];
  private block: Buffer = Buffer.alloc(0);
  private used = 0;
  /** Per item: which block, and where its line starts and ends. */
  private readonly where: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  get length(): number {
    return this.where.length;
  }

  append(line: string): void {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes: only a line near the end of a block needs measuring.
    if (this.used + line.length * 3 > this.block.length) {
      const bytes = Buffer.byteLength(line);
      if (this.used + bytes > this.block.length) {
        this.block = Buffer.allocUnsafe(Math.max(LOG_BLOCK_BYTES, bytes));
        this.blocks.push(this.block);
        this.used = 0;
      }
    }
    const written = this.block.write(line, this.used, 'utf8');
    this.where.push(this.blocks.length - 1);
    this.starts.push(this.used);
    this.used += written;
    this.ends.push(this.used);
  }

  /** The lines of the items `keep` selects among the first `upTo`, in order, as buffer views. */
  pick(upTo: number, keep: (item: number) => boolean): { chunks: Buffer[]; count: number } {
    const chunks: Buffer[] = [];
    let count = 0;
    let runBlock = -1;
    let runStart = 0;
    let runEnd = 0;
    const n = Math.min(upTo, this.where.length);
    for (let i = 0; i < n; i++) {
      if (!keep(i)) continue;
      count += 1;
      const block = this.where[i];
      if (block === runBlock && this.starts[i] === runEnd) {
        runEnd = this.ends[i];
        continue;
      }
      if (runBlock >= 0) chunks.push(this.blocks[runBlock].subarray(runStart, runEnd));
      runBlock = block;
      runStart = this.starts[i];
      runEnd = this.ends[i];
    }
    if (runBlock >= 0) chunks.push(this.blocks[runBlock].subarray(runStart, runEnd));
    return { chunks, count };
  }
}

/** Collects newline-terminated lines into file chunks as they come, in order. */
export class ChunkWriter {
  readonly chunks: Buffer[] = [];
  private pending: string[] = [];
  count = 0;

  push(line: string): void {
    this.pending.push(line);
    this.count += 1;
    if (this.pending.length >= LINES_PER_CHUNK) this.flush();
  }

  finish(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Buffer.from(this.pending.join(''), 'utf8'));
    this.pending = [];
  }
}

/** Collects what a batch bills: one entry per answered item. */
export class BillCollector implements BilledItems {
  count = 0;
  inputTokens = 0;
  outputTokens = 0;
  cacheWriteTokens = 0;
  cacheReadTokens = 0;
  readonly hashes: string[] = [];
  readonly corrupted: boolean[] = [];

  add(inputTokens: number, outputTokens: number, hash: string, corrupted: boolean, cache = NO_CACHE_USE): void {
    this.count += 1;
    this.inputTokens += inputTokens;
    this.outputTokens += outputTokens;
    this.cacheWriteTokens += cache.writeTokens;
    this.cacheReadTokens += cache.readTokens;
    this.hashes.push(hash);
    this.corrupted.push(corrupted);
  }
}

/** How a whole batch ends: completes, fails, or expires part-way (at `fraction` of its requests). */
export type Fate = { kind: 'complete' } | { kind: 'fail' } | { kind: 'expire'; fraction: number };

/**
 * A batch's fate, from three draws on the batch's own fork of the random stream whatever the
 * rates, so one batch's fate never shifts the next one's. Shared by the OpenAI and Anthropic sides.
 */
export function drawBatchFate(batchRng: Rng, batch: Profile['batch']): Fate {
  const failDraw = batchRng.next();
  const expireDraw = batchRng.next();
  const fraction = batchRng.next();
  if (failDraw < batch.failRate) return { kind: 'fail' };
  if (expireDraw < batch.expireRate) return { kind: 'expire', fraction };
  return { kind: 'complete' };
}

/**
 * The draws every batch create makes, in this order on the simulator's batch stream: refused
 * outright (batch.rejectRate: a 400, nothing created or billed; a rate of 0 draws nothing), stalled
 * before it starts (batch.stallRate, on families whose batches have a state before running), then
 * the batch's own fork of the stream and its fate.
 */
export function drawBatchStart(
  rng: Rng,
  batch: Profile['batch'],
  canStall: boolean,
  rejected: () => Error,
): { stalled: boolean; batchRng: Rng; fate: Fate } {
  if (rng.chance(batch.rejectRate)) throw rejected();
  const stalled = canStall && rng.chance(batch.stallRate);
  const batchRng = rng.fork();
  return { stalled, batchRng, fate: drawBatchFate(batchRng, batch) };
}
