// Names and seed defaults shared by workflows, activities, client and simulator.

export const DEFAULT_TASK_QUEUE = 'llmbatch';
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';

/** Search attributes of INTERFACE.md, with their Temporal types. */
export const SEARCH_ATTRIBUTES = {
  LlmRunId: 'Keyword',
  LlmProvider: 'Keyword',
  LlmModel: 'Keyword',
  LlmPhase: 'Keyword',
  LlmItemsTotal: 'Int',
  LlmItemsDone: 'Int',
  LlmItemsFailed: 'Int',
  LlmCostUsd: 'Double',
} as const;

/** Seed defaults of DESIGN.md, as durations in milliseconds. */
export const SEED_DEFAULTS = {
  poll: {
    initialMs: 60_000,
    maxMs: 300_000,
    alertAfterMs: 20 * 3_600_000,
    /** Our own deadline for a batch, from its submission: past it the chunk cancels the batch, keeps
     * what it answered and retries the rest (Azure's Global Batch does not expire a batch at 24 h). */
    deadlineMs: 24 * 3_600_000,
    /** How long a batch we cancelled may take to end (OpenAI: "up to 10 minutes") before the chunk
     * gives up on it: its items are then dead-lettered rather than risk paying for them twice. */
    cancelWaitMs: 3_600_000,
    /** A batch the provider has not started 6 h after its submission is cancelled and its items go
     * on (Gemini users report batches stuck in PENDING for over a day). Only when under deadlineMs. */
    startDeadlineMs: 6 * 3_600_000,
  },
  retry: {
    strike2DelayMs: 60_000,
    strike3DelayMs: 300_000,
    syncBackoffMs: 500,
    deadLetterAlertRate: 0.05,
    /** A refused API key is probed again after this, doubling up to 5 minutes... */
    authProbeMs: 30_000,
    /** ...and given up after this: the waiting chunks fail and their items are dead-lettered. */
    authTimeoutMs: 24 * 3_600_000,
    /** A batch that failed as a whole (nothing answered) is submitted again this often for the same
     * strike, after strike2Delay times the attempt: a provider hiccup should not burn a strike. */
    failedBatchResubmits: 2,
    /** With a `failover` list: a chunk whose provider has not taken its batch for this long (an
     * outage, no capacity) moves to the next entry. */
    failoverAfterMs: 15 * 60_000,
    finalizeBackoffMs: 60_000,
    /** A provider call that failed retryably (a 500, a timeout) is tried again after this, doubling
     * up to callBackoffMaxMs; the call gives up after 6 hours (the chunk then fails). */
    callBackoffMs: 2_000,
    callBackoffMaxMs: 5 * 60_000,
  },
  limits: {
    concurrentBatches: 10,
    enqueuedTokens: 0,
    syncConcurrency: 16,
    syncRpm: 0,
    syncTpm: 0,
    maxItemBytes: 2 * 1024 * 1024,
  },
  chunkSize: 2000,
  yellowAt: 0.8,
  cache: { enabled: true, maxAgeMs: 30 * 86_400_000 },
  maxTokens: 1024,
  /** Output tokens are estimated at maxTokens times this share, then buffered. */
  outputEstimateShare: 0.5,
  outputEstimateBuffer: 1.25,
} as const;

/** Provider limits on one batch file (DESIGN.md, Plan). */
export const PROVIDER_BATCH_LIMITS = {
  openai: { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 },
  anthropic: { maxRequests: 100_000, maxBytes: 256 * 1024 * 1024 },
  /**
   * The Gemini API: an input file may be up to 2 GB; requests above 20 MB go as a file, not inline
   * (GEMINI_INLINE_MAX_BYTES). No published request cap: the same 100,000 as Anthropic's.
   */
  google: { maxRequests: 100_000, maxBytes: 2 * 1024 * 1024 * 1024 },
  /** Bedrock batch inference: 50,000 records a job (the default quota) and 1 GB an input file. */
  bedrock: { maxRequests: 50_000, maxBytes: 1024 * 1024 * 1024 },
} as const;

/** Bedrock refuses a batch inference job of fewer records (a quota: `limits.batchMinRecords` changes it). */
export const BEDROCK_MIN_RECORDS = 100;

/** A Gemini batch create with inlined requests must stay under the API's 20 MB request limit. */
export const GEMINI_INLINE_MAX_BYTES = 20 * 1024 * 1024;

/** A parent workflow continues as new after this many chunk children, or when Temporal suggests it. */
export const DEFAULT_CONTINUE_AS_NEW_EVERY = 200;

/** The OpenAI batch endpoints we submit to: chat, and embeddings (`endpoint: embeddings`). */
export const OPENAI_CHAT_ENDPOINT = '/v1/chat/completions';
export const OPENAI_EMBEDDINGS_ENDPOINT = '/v1/embeddings';

/** Metadata key under which a provider batch carries its idempotency key (runId/chunk/strike). */
export const IDEMPOTENCY_METADATA_KEY = 'llmbatch_key';

/**
 * How far a provider's confirmed cost may differ from the one computed from the lines' usage (a
 * share of it) before the report and the run summary flag it: rounding and a late line stay under.
 */
export const CONFIRM_TOLERANCE = 0.005;

/** An estimate's sample runs as a run of its own, named `<estimate id>` + this: a later run that reuses its answers says what they cost. */
export const SAMPLE_RUN_SUFFIX = '-sample';
