// Shapes that cross the workflow/activity boundary. They carry references and counts only:
// no prompt or output text may ever appear in one (DESIGN.md, rule 1).
import type { ResolvedSpec } from './spec';

export interface TokenCounts {
  input: number;
  output: number;
}

/** A cost or token figure before anything runs: at least, likely, at most. */
export interface Range {
  min: number;
  likely: number;
  max: number;
}

/** What plan learned about the dataset: counts and chunk count, no item data. */
export interface PlanSummary {
  lines: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  /** Unique requests (duplicates removed), cache hits included. */
  uniqueRequests: number;
  /** Unique requests answered from an earlier run's results (cost 0). */
  cacheHits: number;
  chunks: number;
  /** Tokens of the requests still to send (cache hits excluded): input counted, output a range. */
  estimatedTokens: { input: number; output: Range };
  /** Their cost in the run's mode (batch or sync prices): the pre-flight estimate. */
  estimatedUsd: Range;
  /** The same tokens at sync prices. */
  estimatedSyncUsd: Range;
  /** Tokens to send per model and lane (routing, hybrid): what the estimates price. */
  lanes?: PlanLane[];
  /** A hybrid run's sync-lane chunks: the last ones by number, started first. */
  syncChunks?: number;
  /** Cache hits answered by an `estimate --sample` run, and what that sample paid for them. */
  sampleReused?: { answers: number; costUsd: number };
}

/** A plan's requests of one model in one lane: tokens to send, input counted, output a range. */
export interface PlanLane {
  model: string;
  mode: 'batch' | 'sync';
  input: number;
  output: Range;
  /**
   * Shares of `input` expected to be billed as prompt-cache writes and reads (Anthropic, a shared
   * system prompt): priced at their rates, not the input price. Shares, so a sample's scaling keeps them.
   */
  promptCache?: { writeShare: number; readShare: number };
}

/** `llmbatch estimate`: what a run of the spec would send and cost, nothing submitted. */
export interface EstimateReport {
  items: number;
  rejected: number;
  duplicates: number;
  cacheHits: number;
  /** Unique requests that would be sent (cache hits excluded). */
  requests: number;
  chunks: number;
  provider: string;
  model: string;
  mode: string;
  maxTokens: number;
  tokens: { input: number; output: { min: number; likely: number; max: number } };
  costUsd: { batch: Range; sync: Range };
  /** How many items really ran to measure output (and calibrate input); 0 without --sample. */
  sampled: number;
  /** The sample run: its id, what it cost, and what it measured. */
  sample?: {
    runId: string;
    answered: number;
    costUsd: number;
    outputTokensPerItem: number;
    /** Input tokens the provider billed over the ones we counted, per item. */
    inputCalibration: number;
    outputDir: string;
  };
  /** `--compare`: the same tokens priced for every model of the pricing table. */
  compare?: { model: string; batchUsd: number; syncUsd: number }[];
  /** The spec's caps and what the pre-flight check of a run would say. */
  budget?: { maxUsd?: number; dailyUsd?: number; monthlyUsd?: number; refused?: string };
}

/**
 * Where the activities that read the user's input or write its output files run (plan, finalize,
 * an estimate's sample). Unset: on the run's own task queue, by any worker (one machine, or a
 * shared file system). Set: on this task queue, which only the worker that sees the files polls
 * (`llmbatch worker --files-queue NAME`): Temporal's worker-specific task queue pattern.
 */
export interface FilesQueueInput {
  filesQueue?: string;
  /** How long a files activity may wait for a worker on filesQueue before the run says so (ms; default 5 minutes). */
  filesWorkerWaitMs?: number;
}

export interface EstimateWorkflowInput extends FilesQueueInput {
  spec: ResolvedSpec;
  /** Really run this many random unique items through sync calls to measure output tokens. */
  sample?: number;
  compare?: boolean;
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
  | 'paused:budget'
  | 'cancelling'
  | 'finalizing'
  | 'finalize-failed'
  | 'waiting:files'
  | 'completed'
  | 'failed'
  | 'cancelled';
export type ChunkPhase =
  | 'submitting'
  | 'waiting'
  | 'collecting'
  | 'backing-off'
  | 'calling-sync'
  | 'waiting:capacity'
  | 'waiting:auth'
  | 'paused'
  | 'paused:budget'
  | 'cancelling'
  | 'cancelling:deadline'
  | 'cancelling:stalled'
  | 'cancelled'
  | 'done';
export type RunStatus = 'completed' | 'cancelled' | 'failed';

export interface ChunkInput {
  runId: string;
  chunk: number;
  spec: ResolvedSpec;
  /** The run's cap as it stands (`llmbatch budget` changes it); spec.budget.maxUsd otherwise. */
  maxUsd?: number;
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
  /** The run's cap once `llmbatch budget` changed it. */
  maxUsd?: number;
  /** Failure kind of the dead letters a fatal stop leaves (`run_failed`, or `budget` when refused). */
  fatalKind?: 'run_failed' | 'budget';
  /** Budget alerts already sent (yellow once a run; red once per pause). */
  alerted?: { yellow?: boolean };
  /**
   * Chunks still running when the run continued as new: the new run inherits them (they were
   * started with ParentClosePolicy ABANDON), counts them in its window and learns of their end by
   * their `chunkEnded` signal. The window never drains.
   */
  inFlight?: number[];
  /** Inherited chunks waiting for a refused API key, and why (chunk -> reason). */
  waitingForAuth?: Record<string, string>;
  /** Inherited chunks waiting for budget, and why (chunk -> reason). */
  waitingForBudget?: Record<string, string>;
  /** The model the rest of the run was downgraded to once the budget went yellow. */
  downgradedTo?: string;
  /** Budget alerts a chunk raised while the run was continuing as new, to send in the next run. */
  budgetAlerts?: { kind: 'budget-yellow' | 'budget-red'; message: string }[];
}

/**
 * How a chunk ended, as it tells its parent by signal (and as the parent reads a child's result):
 * exactly one of an outcome, a failure (the chunk failed for good) or a cancel.
 */
export interface ChunkEnd {
  chunk: number;
  outcome?: ChunkOutcome;
  failure?: { message: string; type?: string };
  cancelled?: boolean;
}

export interface RunWorkflowInput extends FilesQueueInput {
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
  /** In phase finalize-failed: why the outputs could not be written. */
  finalizeProblem?: string;
  /** The queue its plan and finalize run on (`--files-queue`), when it has one. */
  filesQueue?: string;
  /** Why the run stops early, once it does. */
  fatal?: string;
  /** The spec's caps (maxUsd as `llmbatch budget` left it) and why chunks wait for budget, if they do. */
  budget?: {
    maxUsd?: number;
    dailyUsd?: number;
    monthlyUsd?: number;
    waiting: number[];
    reason?: string;
    downgradedTo?: string;
  };
}

/** report.json's tokens: billed in this run; the prompt cache's writes and reads apart from input. */
export interface ReportTokens extends TokenCounts {
  /** Prompt tokens written to Anthropic's prompt cache (billed at 1.25x the input price). */
  cacheWrite: number;
  /** Prompt tokens read from Anthropic's prompt cache (billed at 0.1x the input price). */
  cacheRead: number;
}

/** One answering model's share of report.json. */
export interface ModelTotals {
  answers: number;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  costUsd: number;
  /** byProvider only: the cost by the provider's own usage figures, and how far it is from costUsd. */
  confirmedUsd?: number;
  confirmedDifferenceUsd?: number;
}

/** report.json, as INTERFACE.md names it. */
/** Unique requests (duplicates and cache hits aside) that reached each strike, and the dead letters. */
export interface StrikeFunnel {
  strike1: number;
  strike2: number;
  strike3: number;
  deadLettered: number;
}

/** One provider batch: when it was created, first seen running, ended (the provider's word) and seen done by a poll. */
export interface BatchTimelineEntry {
  chunk: number;
  strike: number;
  model?: string;
  status: string;
  attempt: number;
  createdAtMs: number;
  runningAtMs?: number;
  providerEndedAtMs?: number;
  doneAtMs?: number;
}

export interface RunReport {
  runId: string;
  items: number;
  succeeded: number;
  deadLettered: number;
  rejected: number;
  duplicates: number;
  cacheHits: number;
  tokens: ReportTokens;
  costUsd: {
    /**
     * The pre-flight estimate (likely) and its range; a run whose chunks failed over has its plan's
     * tokens priced as they were answered (the models that answered, in their lanes).
     */
    estimated: number;
    estimatedRange: { min: number; max: number };
    /** With a failover: the estimate the run started with (what the budget checked), at the spec's model. */
    estimatedPreflight?: number;
    /** What the providers billed for this run (from their usage fields). */
    actual: number;
    /** What the answers paid for would have cost through sync calls. */
    syncEquivalent: number;
    /** Every answered line (duplicates and cache hits included) through sync calls of the spec's model. */
    naiveSync: number;
    /**
     * Money not spent, by lever: batch discount, in-run dedup, cross-run cache (answers reused),
     * downgrade routing, and the provider's prompt cache (cache reads at 0.1x less the 1.25x premium
     * of cache writes, against every prompt token at the input price; negative when writes won).
     */
    savings: { batch: number; dedup: number; cache: number; routing: number; promptCache: number };
    /** Part of `actual`: answers the provider billed that failed the checks (schema, empty, refused). */
    failedAnswers: number;
    /** Sync calls whose answers were lost (a crash, a lost response): estimated, they may have been billed. */
    unconfirmed: number;
    /**
     * `actual` as the providers confirm it: each batch's own token totals (OpenAI's batch usage,
     * Bedrock's manifest; Anthropic's and Gemini's per-result usage) priced with the same table.
     * Absent from reports written before it existed.
     */
    confirmed?: number;
    /** confirmed - actual. */
    confirmedDifference?: number;
    /**
     * What `estimate --sample` paid for the answers this run reused from it (cache hits, $0 here):
     * spent for this run before it started. Only when it reused some.
     */
    sample?: number;
    /** The difference is over 0.5% of actual: the report page and the run summary say so. */
    confirmedMismatch?: boolean;
  };
  /** How many sync calls are behind `costUsd.unconfirmed`. */
  unconfirmedCalls?: number;
  /** How many of the cache hits an estimate's sample answered (`costUsd.sample` paid for them). */
  sampleAnswers?: number;
  /** Per answering model: answers, tokens and cost billed (cache hits and duplicates count 0). */
  byModel: Record<string, ModelTotals>;
  /** The same by lane (batch or sync answers: a hybrid run's split) and by the provider that answered. */
  byMode: Record<string, ModelTotals>;
  byProvider: Record<string, ModelTotals>;
  batches: number;
  /** Unique requests that went into each strike, and how many of them ended as dead letters. */
  strikeFunnel?: StrikeFunnel;
  /** Dead letters by kind (`rate_limit`, `invalid_request`, ...) with a few samples of each. */
  deadLetterReasons?: Record<string, { count: number; samples: { id: string | null; line: number; error: string }[] }>;
  /** Every provider batch of the run with its times, by chunk and strike (report.html's timeline). */
  batchTimeline?: BatchTimelineEntry[];
  /** Batches we cancelled ourselves: unfinished at poll.deadline, or not started by poll.startDeadline. */
  batchesStopped: { deadline: number; stalled: number };
  status: RunStatus;
  /** Why the run failed, when it did. */
  error?: string;
  durationMs: number;
  provider: string;
  model: string;
  outputDir: string;
  files: { results: string; deadLetter: string; rejected: string; report: string; reportPage?: string };
}
