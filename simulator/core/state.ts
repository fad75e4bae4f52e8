// Everything one simulator instance remembers: the profile, the seeded fault streams, the file and
// batch stores and the ledger. Reset and profile changes go through here so that "reseed" and
// "restart the outage clock" always happen together.
import { MessageBatchStore } from '../anthropic/anthropic-batches';
import { GeminiBatchStore } from '../google/gemini-batches';
import { GeminiFileStore } from '../google/gemini-files';
import { GcsObjects } from '../google/gcs-objects';
import { VertexJobStore } from '../google/vertex-jobs';
import { BedrockJobStore } from '../bedrock/bedrock-jobs';
import { NO_S3, s3JobObjects, type JobObjects, type S3Settings } from '../bedrock/job-objects';
import { BatchStore } from '../openai/batches';
import { FileStore } from '../openai/files';
import { peakInFlight } from './in-flight';
import { LedgerBook, type Ledger, type Provider } from './ledger';
import { parseProfile, type Outage, type Profile } from './profile';
import { PromptCache } from '../anthropic/prompt-cache';
import { SlidingWindowLimiter } from './rate-limit';
import { streamRng, type Rng } from './random';
import { batchEvent, WebhookSender, type BatchEndStatus } from '../openai/webhooks';

export class SimulatorState {
  profile!: Profile;
  readonly startedAtMs = Date.now();
  /** Outages are timed from here: server start, the last reset, or the last profile change. */
  epochMs = 0;
  files = new FileStore();
  ledger = new LedgerBook();
  /** Anthropic's prompt cache: one per organisation, shared by sync calls and Message Batches. */
  readonly promptCache = new PromptCache(() => this.profile.promptCache.ttlMs);
  batches = new BatchStore(this.files, this.ledger);
  messageBatches = new MessageBatchStore(this.ledger, this.promptCache);
  /** The Gemini API's files and batches (simulator/google). */
  geminiFiles = new GeminiFileStore();
  geminiBatches = new GeminiBatchStore(this.ledger, this.geminiFiles);
  /** Vertex AI's batch prediction jobs, on the Cloud Storage server the simulator was given. */
  readonly gcs: GcsObjects;
  vertexJobs: VertexJobStore;
  /** OAuth2 access tokens issued by /token: the only ones the Vertex paths take. Kept across resets. */
  readonly vertexTokens = new Set<string>();
  /** Bedrock's model invocation jobs (simulator/bedrock), their files on the S3 server given at start. */
  private jobObjects: JobObjects = NO_S3;
  bedrockJobs = new BedrockJobStore(this.ledger, () => this.jobObjects);
  /** One sync rate-limit window per provider: each real service counts only its own traffic. */
  private readonly limiters = new Map<Provider, SlidingWindowLimiter>();
  /** One stream per concern, so enabling one kind of fault does not reshuffle the others. */
  httpRng!: Rng;
  batchRng!: Rng;
  syncRng!: Rng;

  readonly webhooks = new WebhookSender();

  constructor(profile?: unknown, storageUrl?: string, s3?: S3Settings) {
    this.gcs = new GcsObjects(storageUrl);
    this.vertexJobs = new VertexJobStore(this.ledger, this.gcs);
    if (s3) this.jobObjects = s3JobObjects(s3);
    this.setProfile(profile);
    this.announceEnds();
  }

  /**
   * OpenAI's batches announce their end by webhook when the profile asks for it. Azure OpenAI's
   * share the store but have no such webhooks; Anthropic's are not in this store.
   */
  private announceEnds(): void {
    this.batches.onFinal = (batch, atMs) => {
      const settings = this.profile.webhooks;
      if (!settings || batch.provider !== 'openai') return;
      this.webhooks.send(settings, batchEvent(batch.id, batch.status as BatchEndStatus, atMs));
    };
  }

  now(): number {
    return Date.now();
  }

  setProfile(input: unknown): Profile {
    this.profile = parseProfile(input);
    this.reseed();
    return this.profile;
  }

  reset(): void {
    this.batches.clear();
    this.messageBatches.clear();
    this.files = new FileStore();
    this.ledger = new LedgerBook();
    this.batches = new BatchStore(this.files, this.ledger);
    this.promptCache.clear();
    this.messageBatches = new MessageBatchStore(this.ledger, this.promptCache);
    this.geminiBatches.clear();
    this.geminiFiles = new GeminiFileStore();
    this.geminiBatches = new GeminiBatchStore(this.ledger, this.geminiFiles);
    this.vertexJobs.clear();
    this.vertexJobs = new VertexJobStore(this.ledger, this.gcs);
    this.bedrockJobs.clear();
    this.bedrockJobs = new BedrockJobStore(this.ledger, () => this.jobObjects);
    this.announceEnds();
    this.reseed();
  }

  limiter(provider: Provider): SlidingWindowLimiter {
    let limiter = this.limiters.get(provider);
    if (!limiter) this.limiters.set(provider, (limiter = new SlidingWindowLimiter()));
    return limiter;
  }

  /** Brings every batch of either API up to date (so the ledger bills what finished unpolled). */
  advanceAll(now: number): void {
    this.batches.advanceAll(now);
    this.messageBatches.advanceAll(now);
    this.geminiBatches.advanceAll(now);
    this.vertexJobs.advanceAll(now);
    this.bedrockJobs.advanceAll(now);
  }

  /** The ledger as of now: every batch brought up to date first, so it bills what finished unpolled. */
  ledgerNow(): Ledger {
    this.advanceAll(this.now());
    return {
      ...this.ledger.snapshot(),
      batchesInFlightPeak: peakInFlight([
        ...this.batches.spans(),
        ...this.messageBatches.spans(),
        ...this.geminiBatches.spans(),
        ...this.vertexJobs.spans(),
        ...this.bedrockJobs.spans(),
      ]),
    };
  }

  stopBackground(): void {
    this.webhooks.stop();
    this.batches.stopBackground();
    this.messageBatches.stopBackground();
  }

  /** The outage hitting `provider`'s paths at `now`, if any (the first listed, where windows overlap). */
  outageAt(now: number, provider: Provider): Outage | undefined {
    const elapsed = now - this.epochMs;
    return this.profile.outages.find(
      (o) =>
        (o.provider === undefined || o.provider === provider) && elapsed >= o.afterMs && elapsed < o.afterMs + o.forMs,
    );
  }

  private reseed(): void {
    const seed = this.profile.seed;
    this.httpRng = streamRng(seed, 'http');
    this.batchRng = streamRng(seed, 'batch');
    this.syncRng = streamRng(seed, 'sync');
    for (const limiter of this.limiters.values()) limiter.clear();
    this.epochMs = this.now();
  }
}
