// OpenAI Batch API adapter over the official `openai` client (also used for the simulator,
// which speaks the same wire format). The client never retries: Temporal owns retries.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import OpenAI, { AzureOpenAI } from 'openai';
import type { Batch } from 'openai/resources/batches';
import {
  IDEMPOTENCY_METADATA_KEY,
  OPENAI_CHAT_ENDPOINT,
  isEmbeddingRequest,
  type ChatRequest,
  type JsonSchema,
  type NeutralRequest,
  type TokenUsage,
} from '../../common';
import { withBatchFile } from '../core/batch-file';
import { batchEndpointOf, embeddingBody, embeddingResult, isEmbeddingResponse } from './openai-embeddings';
import type { BatchProvider, BatchRequest, FindHint, ItemResult, ProviderBatch } from '../core/types';

export interface OpenAIConfig {
  apiKey: string;
  baseURL?: string;
  /** Azure OpenAI: the resource endpoint and API version (the spec's model is the deployment name). */
  azure?: { endpoint: string; apiVersion: string };
  /** Kept below the activities' startToCloseTimeout. */
  timeoutMs?: number;
}

/** The chat completions body for one request, with structured output when a schema is given. */
export function chatCompletionBody(request: ChatRequest, schema: JsonSchema | undefined) {
  return {
    model: request.model,
    messages: request.messages,
    max_completion_tokens: request.maxTokens,
    ...(schema
      ? { response_format: { type: 'json_schema', json_schema: { name: 'output', strict: true, schema } } }
      : {}),
  };
}

/** The body of one request on its endpoint: a chat completion, or an embedding. */
function requestBody(request: NeutralRequest, schema: JsonSchema | undefined) {
  return isEmbeddingRequest(request) ? embeddingBody(request) : chatCompletionBody(request, schema);
}

/** The time of the batch's terminal status, in ms (OpenAI stamps each status in seconds). */
function endedAt(batch: Batch): { endedAtMs?: number } {
  const at = batch.completed_at ?? batch.failed_at ?? batch.expired_at ?? batch.cancelled_at;
  return at ? { endedAtMs: at * 1000 } : {};
}

function toProviderBatch(batch: Batch): ProviderBatch {
  return {
    id: batch.id,
    status: batch.status,
    outputFileId: batch.output_file_id ?? undefined,
    errorFileId: batch.error_file_id ?? undefined,
    counts: {
      total: batch.request_counts?.total ?? 0,
      completed: batch.request_counts?.completed ?? 0,
      failed: batch.request_counts?.failed ?? 0,
    },
    errors: (batch.errors?.data ?? []).map((e) =>
      [e.line ? `line ${e.line}` : '', e.code, e.message].filter(Boolean).join(': '),
    ),
    createdAtMs: batch.created_at * 1000,
    ...endedAt(batch),
    metadata: batch.metadata ?? {},
    // Populated on batches created since September 2025: the batch's bill, checked against the items'.
    ...(batch.usage
      ? {
          usage: {
            promptTokens: batch.usage.input_tokens,
            outputTokens: batch.usage.output_tokens,
            cachedTokens: batch.usage.input_tokens_details?.cached_tokens ?? 0,
          },
        }
      : {}),
  };
}

/** A chat completion's usage as billed: OpenAI's cached prompt tokens are part of prompt_tokens, at their own rate. */
export function chatUsage(usage: {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
}): TokenUsage {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    inputTokens: (usage.prompt_tokens ?? 0) - cached,
    outputTokens: usage.completion_tokens ?? 0,
    ...(cached ? { cacheReadTokens: cached } : {}),
  };
}

interface BatchOutputLine {
  custom_id: string;
  response: { status_code: number; body: Record<string, unknown> } | null;
  error: { code?: string | null; message?: string | null } | null;
}

/** One line of an output or error file, as an item result. */
export function parseOutputLine(line: BatchOutputLine): ItemResult {
  const customId = line.custom_id;
  if (line.error)
    return { customId, ok: false, code: line.error.code ?? undefined, message: line.error.message ?? 'error' };
  const response = line.response;
  if (!response) return { customId, ok: false, message: 'no response and no error' };
  if (response.status_code === 200 && isEmbeddingResponse(response.body))
    return embeddingResult(customId, response.body);
  const body = response.body as {
    choices?: { message?: { content?: string | null; refusal?: string | null }; finish_reason?: string }[];
    usage?: Parameters<typeof chatUsage>[0];
    error?: { code?: string | null; message?: string; type?: string };
  };
  const usage = body.usage ? chatUsage(body.usage) : undefined;
  if (response.status_code !== 200 || body.error) {
    return {
      customId,
      ok: false,
      status: response.status_code,
      code: body.error?.code ?? body.error?.type ?? undefined,
      message: body.error?.message ?? `HTTP ${response.status_code}`,
      usage,
    };
  }
  const choice = body.choices?.[0];
  if (choice?.message?.refusal) return { customId, ok: false, code: 'refusal', message: choice.message.refusal, usage };
  return {
    customId,
    ok: true,
    content: choice?.message?.content ?? '',
    usage: usage ?? { inputTokens: 0, outputTokens: 0 },
  };
}

export class OpenAIBatchProvider implements BatchProvider {
  readonly client: OpenAI;

  /** Azure names the batch endpoints without the /v1. */
  private readonly azure: boolean;

  constructor(
    readonly name: string,
    config: OpenAIConfig,
  ) {
    const common = { apiKey: config.apiKey, maxRetries: 0, timeout: config.timeoutMs ?? 50_000 };
    this.client = config.azure
      ? new AzureOpenAI({ ...common, endpoint: config.azure.endpoint, apiVersion: config.azure.apiVersion })
      : new OpenAI({ ...common, baseURL: config.baseURL });
    this.azure = config.azure !== undefined;
  }

  async findBatch(idempotencyKey: string, hint: FindHint): Promise<ProviderBatch | undefined> {
    // Newest first; stop once batches are older than our recorded intent (minus clock skew).
    const floorSec = Math.floor((hint.createdAfterMs - 10 * 60_000) / 1000);
    for await (const batch of this.client.batches.list({ limit: 100 })) {
      if (batch.created_at < floorSec) return undefined;
      if (batch.metadata?.[IDEMPOTENCY_METADATA_KEY] === idempotencyKey) return toProviderBatch(batch);
    }
    return undefined;
  }

  async createBatch(
    requests: AsyncIterable<BatchRequest>,
    schema: JsonSchema | undefined,
    idempotencyKey: string,
    metadata: Record<string, string>,
  ): Promise<ProviderBatch> {
    const filename = `${idempotencyKey.replace(/[^a-zA-Z0-9_.-]/g, '_')}.jsonl`;
    // A batch has one endpoint: the first request's (a run is all chat or all embeddings).
    let endpoint: string | undefined;
    const file = await withBatchFile(
      requests,
      (r) => {
        const url = batchEndpointOf(r.request, this.azure);
        endpoint ??= url;
        if (url !== endpoint) throw new Error(`one batch cannot mix ${endpoint} and ${url} requests`);
        return JSON.stringify({ custom_id: r.customId, method: 'POST', url, body: requestBody(r.request, schema) });
      },
      (contents) =>
        this.client.files.create({
          file: new File([contents], filename, { type: 'application/jsonl' }),
          purpose: 'batch',
        }),
    );
    const batch = await this.client.batches.create({
      input_file_id: file.id,
      // No request at all (the service refuses the empty file): named as a chat batch, as ever.
      endpoint: (endpoint ?? OPENAI_CHAT_ENDPOINT) as typeof OPENAI_CHAT_ENDPOINT,
      completion_window: '24h',
      metadata: { ...metadata, [IDEMPOTENCY_METADATA_KEY]: idempotencyKey },
    });
    return toProviderBatch(batch);
  }

  async getBatch(batchId: string): Promise<ProviderBatch> {
    return toProviderBatch(await this.client.batches.retrieve(batchId));
  }

  async cancelBatch(batchId: string): Promise<ProviderBatch> {
    return toProviderBatch(await this.client.batches.cancel(batchId));
  }

  async callSync(request: BatchRequest, schema: JsonSchema | undefined, signal?: AbortSignal): Promise<ItemResult> {
    const neutral = request.request;
    const answer = isEmbeddingRequest(neutral)
      ? await this.client.embeddings.create(embeddingBody(neutral), { signal })
      : await this.client.chat.completions.create(chatCompletionBody(neutral, schema) as never, { signal });
    return parseOutputLine({
      custom_id: request.customId,
      response: { status_code: 200, body: answer as unknown as Record<string, unknown> },
      error: null,
    });
  }

  async *readResults(batch: ProviderBatch): AsyncIterable<ItemResult> {
    for (const fileId of [batch.outputFileId, batch.errorFileId]) {
      if (!fileId) continue;
      const response = await this.client.files.content(fileId);
      if (!response.body) continue;
      const lines = createInterface({ input: Readable.fromWeb(response.body as never), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!line.trim()) continue;
        yield parseOutputLine(JSON.parse(line) as BatchOutputLine);
      }
    }
  }
}
