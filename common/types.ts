// Shapes that cross the workflow/activity boundary. They carry references and counts only:
// no prompt or output text may ever appear in one (DESIGN.md, rule 1).
import type { ResolvedSpec } from './spec';

export interface TokenCounts {
  input: number;
  output: number;
}

/** What plan learned about the dataset: counts and chunk count, no item data. */
export interface PlanSummary {
  lines: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  uniqueRequests: number;
  chunks: number;
  estimatedTokens: TokenCounts;
  estimatedCostUsd: number;
}

/** Counts a chunk (or a whole run) adds up. */
export interface ItemTally {
  succeeded: number;
  deadLettered: number;
  tokens: TokenCounts;
  costUsd: number;
  syncEquivalentUsd: number;
  batches: number;
}

export const EMPTY_TALLY: ItemTally = {
  succeeded: 0,
  deadLettered: 0,
  tokens: { input: 0, output: 0 },
  costUsd: 0,
  syncEquivalentUsd: 0,
  batches: 0,
};

export function addTallies(a: ItemTally, b: ItemTally): ItemTally {
  return {
    succeeded: a.succeeded + b.succeeded,
    deadLettered: a.deadLettered + b.deadLettered,
    tokens: { input: a.tokens.input + b.tokens.input, output: a.tokens.output + b.tokens.output },
    costUsd: a.costUsd + b.costUsd,
    syncEquivalentUsd: a.syncEquivalentUsd + b.syncEquivalentUsd,
    batches: a.batches + b.batches,
  };
}

export type RunPhase =
  | 'planning'
  | 'running'
  | 'waiting:auth'
  | 'paused'
  | 'cancelling'
  | 'finalizing'
  | 'completed'
  | 'failed'
  | 'cancelled';
export type ChunkPhase =
  | 'submitting'
  | 'waiting'
  | 'collecting'
  | 'backing-off'
  | 'calling-sync'
  | 'waiting:auth'
  | 'paused'
  | 'cancelling'
  | 'cancelled'
  | 'done';
export type RunStatus = 'completed' | 'cancelled' | 'failed';

export interface ChunkInput {
  runId: string;
  chunk: number;
  spec: ResolvedSpec;
}

export interface ChunkOutcome extends ItemTally {
  chunk: number;
  requests: number;
}

/** Carried across continue-as-new: where the window stands and what has been counted. */
export interface RunState {
  startedAtMs: number;
  plan?: PlanSummary;
  nextChunk: number;
  chunksDone: number;
  tally: ItemTally;
  /** Chunks that failed for good (their items dead-lettered as chunk_failed). */
  chunksFailed?: number;
  /** Set when a run-wide fatal error stops the run: no new chunks, the rest dead-lettered, status failed. */
  fatal?: string;
  /** Paused by `llmbatch pause` (carried across continue-as-new). */
  paused?: boolean;
}

export interface RunWorkflowInput {
  /** Ignored: the run id is the workflow id, read in the workflow (so Schedules and `temporal workflow start` work). */
  runId?: string;
  spec: ResolvedSpec;
  /** Write the files to `<output.dir>/<run id>/` (scheduled runs, which share one spec). */
  outputPerRun?: boolean;
  /** Continue as new after this many chunk children in one execution (tests lower it). */
  continueAsNewEvery?: number;
  state?: RunState;
}

export interface RunProgress {
  runId: string;
  phase: RunPhase;
  items: number;
  succeeded: number;
  deadLettered: number;
  rejected: number;
  duplicates: number;
  costUsd: number;
  chunks: { total: number; done: number; failed: number; running: number[]; waitingForAuth: number[] };
  paused: boolean;
  outputDir: string;
  /** Why the run stops early, once it does. */
  fatal?: string;
}

/** report.json, as INTERFACE.md names it. */
export interface RunReport {
  runId: string;
  items: number;
  succeeded: number;
  deadLettered: number;
  rejected: number;
  duplicates: number;
  cacheHits: number;
  tokens: TokenCounts;
  costUsd: {
    estimated: number;
    actual: number;
    syncEquivalent: number;
    /** Part of `actual`: answers the provider billed that failed the checks (schema, empty, refused). */
    failedAnswers: number;
    /** Sync calls whose answers were lost (a crash, a lost response): estimated, they may have been billed. */
    unconfirmed: number;
  };
  /** How many sync calls are behind `costUsd.unconfirmed`. */
  unconfirmedCalls?: number;
  batches: number;
  status: RunStatus;
  /** Why the run failed, when it did. */
  error?: string;
  durationMs: number;
  provider: string;
  model: string;
  outputDir: string;
  files: { results: string; deadLetter: string; rejected: string; report: string };
}
