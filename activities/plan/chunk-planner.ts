// Cuts a run's unique requests into chunks: one model and one lane (batch or sync) per chunk, as a
// provider batch file holds one model, within the spec's chunk size and the provider's caps
// (requests, bytes, and limits.enqueuedTokens). In a hybrid run the sync lane's chunks are numbered
// after the batch chunks, so the parent, which starts chunks by number, can start them first.
import type { RunMode } from '../../common';

export type Lane = Exclude<RunMode, 'hybrid'>;

export interface ChunkLane {
  model: string;
  mode: Lane;
}

export interface ChunkCaps {
  maxRequests: number;
  maxBytes: number;
  /** 0 = no cap. */
  maxTokens: number;
}

/** Sync-lane chunks of a hybrid run are numbered from here while planning, then moved after the batch chunks. */
export const PROVISIONAL_SYNC_BASE = 1 << 30;

class OpenChunk {
  private count = 0;
  private bytes = 0;
  private tokens = 0;
  constructor(readonly id: number) {}
  fits(caps: ChunkCaps, bytes: number, tokens: number): boolean {
    if (this.count === 0) return true;
    if (this.count >= caps.maxRequests || this.bytes + bytes > caps.maxBytes) return false;
    return caps.maxTokens <= 0 || this.tokens + tokens <= caps.maxTokens;
  }
  add(bytes: number, tokens: number) {
    this.count++;
    this.bytes += bytes;
    this.tokens += tokens;
  }
}

export class ChunkPlanner {
  private readonly open = new Map<string, OpenChunk>();
  private batchChunks = 0;
  private syncChunks = 0;
  /** Every chunk's lane, by the id it was placed under. */
  readonly lanes = new Map<number, ChunkLane>();

  /** `splitSync`: number the sync lane's chunks apart (hybrid), to be moved after the batch chunks. */
  constructor(
    private readonly caps: ChunkCaps,
    private readonly splitSync = false,
  ) {}

  /** The chunk a request of `bytes` and `tokens` goes to in its lane (by provisional id in a hybrid run). */
  place(lane: ChunkLane, bytes: number, tokens: number): number {
    const key = `${lane.mode}\n${lane.model}`;
    let chunk = this.open.get(key);
    if (!chunk || !chunk.fits(this.caps, bytes, tokens)) {
      const id =
        this.splitSync && lane.mode === 'sync' ? PROVISIONAL_SYNC_BASE + this.syncChunks++ : this.batchChunks++;
      chunk = new OpenChunk(id);
      this.open.set(key, chunk);
      this.lanes.set(id, lane);
    }
    chunk.add(bytes, tokens);
    return chunk.id;
  }

  get chunks(): number {
    return this.batchChunks + this.syncChunks;
  }

  /** The sync lane's own chunks (hybrid): the last ones by number. */
  get separateSyncChunks(): number {
    return this.syncChunks;
  }

  /** The number a chunk ends with: provisional sync ids follow the batch chunks. */
  finalId(id: number): number {
    return id >= PROVISIONAL_SYNC_BASE ? this.batchChunks + (id - PROVISIONAL_SYNC_BASE) : id;
  }
}
