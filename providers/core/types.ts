// The provider adapter contract: what activities need from a batch API, in provider-neutral terms.
import type { BedrockSpec, JsonSchema, NeutralRequest, TokenUsage } from '../../common';

export type BatchStatus =
  'validating' | 'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled';

export const TERMINAL_BATCH_STATUSES: ReadonlySet<BatchStatus> = new Set([
  'completed',
  'failed',
  'expired',
  'cancelled',
]);

export interface ProviderBatch {
  id: string;
  status: BatchStatus;
  outputFileId?: string;
  errorFileId?: string;
  counts: { total: number; completed: number; failed: number };
  /** Batch-level validation errors, one line each (e.g. `line 3: duplicate custom_id`). */
  errors: string[];
  createdAtMs: number;
  /** When the provider ended the batch (completed, failed, expired, cancelled), where it says. */
  endedAtMs?: number;
  metadata: Record<string, string>;
  /** The token totals the provider reports for the whole batch, where its batch object carries them (OpenAI). */
  usage?: ReportedUsage;
}

/**
 * A batch's token totals as the provider bills them: every prompt token (cached ones included) and
 * every output token, with the cached share where the provider tells it.
 */
export interface ReportedUsage {
  promptTokens: number;
  outputTokens: number;
  /** Prompt tokens read from the provider's prompt cache (part of promptTokens). */
  cachedTokens?: number;
}

export interface BatchRequest {
  customId: string;
  request: NeutralRequest;
}

export type ItemResult =
  | { customId: string; ok: true; content: string; usage: TokenUsage }
  | {
      customId: string;
      ok: false;
      status?: number;
      code?: string;
      message: string;
      usage?: TokenUsage;
    };

/** What a lookup for a batch whose create response was lost may use to recognise it. */
export interface FindHint {
  /** When intent was recorded: the batch cannot be older (minus clock skew). */
  createdAfterMs: number;
  /** How many requests it holds. */
  requests: number;
  /** Batch ids already owned by other chunks or strikes: never adopt one of those. */
  claimed: ReadonlySet<string>;
}

/** What a run's spec tells a provider that batches through object storage (Bedrock: its S3 and role). */
export interface CreateOptions {
  bedrock?: BedrockSpec;
}

export interface BatchProvider {
  readonly name: string;
  /**
   * A batch created earlier under this idempotency key, e.g. when the create's response was lost.
   * OpenAI finds it by the key in the batch metadata; Anthropic, which has no metadata, by the hint.
   */
  findBatch(idempotencyKey: string, hint: FindHint): Promise<ProviderBatch | undefined>;
  /**
   * Uploads the requests (where the provider takes files) and creates one batch of them. The
   * requests are read once, as they come: a 50,000-request chunk need not be in memory at once.
   */
  createBatch(
    requests: AsyncIterable<BatchRequest>,
    schema: JsonSchema | undefined,
    idempotencyKey: string,
    metadata: Record<string, string>,
    options?: CreateOptions,
  ): Promise<ProviderBatch>;
  getBatch(batchId: string): Promise<ProviderBatch>;
  /** Every per-item line of the output and error files, streamed. */
  readResults(batch: ProviderBatch): AsyncIterable<ItemResult>;
  /**
   * The ended batch's token totals from a provider file beside its results (Bedrock's manifest), for
   * providers whose batch object does not carry them. Absent or undefined: the per-item usage is the word.
   */
  reportedUsage?(batch: ProviderBatch): Promise<ReportedUsage | undefined>;
  cancelBatch(batchId: string): Promise<ProviderBatch>;
  /** One synchronous call (strike 3). Throws the SDK's error when the call itself fails. */
  callSync(request: BatchRequest, schema: JsonSchema | undefined, signal?: AbortSignal): Promise<ItemResult>;
}
