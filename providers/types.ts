// The provider adapter contract: what activities need from a batch API, in provider-neutral terms.
import type { JsonSchema } from '../common';
import type { NeutralRequest } from '../store';

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
  metadata: Record<string, string>;
}

export interface BatchRequest {
  customId: string;
  request: NeutralRequest;
}

export type ItemResult =
  | { customId: string; ok: true; content: string; usage: { inputTokens: number; outputTokens: number } }
  | {
      customId: string;
      ok: false;
      status?: number;
      code?: string;
      message: string;
      usage?: { inputTokens: number; outputTokens: number };
    };

export interface BatchProvider {
  readonly name: string;
  /** A batch created earlier under this idempotency key, e.g. when the create's response was lost. */
  findBatch(idempotencyKey: string, createdAfterMs: number): Promise<ProviderBatch | undefined>;
  uploadRequests(requests: BatchRequest[], schema: JsonSchema | undefined, filename: string): Promise<string>;
  createBatch(inputFileId: string, idempotencyKey: string, metadata: Record<string, string>): Promise<ProviderBatch>;
  getBatch(batchId: string): Promise<ProviderBatch>;
  /** Every per-item line of the output and error files, streamed. */
  readResults(batch: ProviderBatch): AsyncIterable<ItemResult>;
  cancelBatch(batchId: string): Promise<ProviderBatch>;
  /** One synchronous call (strike 3). Throws the SDK's error when the call itself fails. */
  callSync(request: BatchRequest, schema: JsonSchema | undefined, signal?: AbortSignal): Promise<ItemResult>;
}
