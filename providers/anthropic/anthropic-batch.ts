// Anthropic Message Batches adapter over the official `@anthropic-ai/sdk` (also the simulator's
// Anthropic paths). Structured output is a forced tool whose input_schema is the output schema.
// Anthropic batches carry no metadata, so a batch whose create response was lost is found by
// reconciling: created after our recorded intent, the same number of requests, owned by no
// other chunk or strike in the store.
import Anthropic from '@anthropic-ai/sdk';
import type { MessageBatch, MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import type { Message, MessageCreateParamsNonStreaming, Usage } from '@anthropic-ai/sdk/resources/messages/messages';
import { chatRequestOnly, type ChatRequest, type JsonSchema, type NeutralRequest, type TokenUsage } from '../../common';
import type { BatchProvider, BatchRequest, BatchStatus, FindHint, ItemResult, ProviderBatch } from '../core/types';

export interface AnthropicConfig {
  apiKey: string;
  baseURL?: string;
  timeoutMs?: number;
}

const OUTPUT_TOOL = 'output';

/**
 * The system prompt: plain text, or (when the request asks for it, see common/prompt-cache.ts) one
 * text block with a cache breakpoint. The breakpoint caches everything before it too, the forced
 * tool included, which every request of the run shares as well.
 */
function systemParam(request: ChatRequest): Pick<MessageCreateParamsNonStreaming, 'system'> {
  const parts = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
  if (parts.length === 0) return {};
  const text = parts.join('\n\n');
  if (!request.cacheSystem) return { system: text };
  return { system: [{ type: 'text', text, cache_control: { type: 'ephemeral' } }] };
}

/** Usage as billed: cache writes and reads come apart from input_tokens (null where none). */
export function usageOf(usage: Usage): TokenUsage {
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
  };
}

/** The Messages API params for one request: system apart, the schema as a forced tool. */
export function messageParams(
  neutral: NeutralRequest,
  schema: JsonSchema | undefined,
): MessageCreateParamsNonStreaming {
  const request = chatRequestOnly(neutral, 'anthropic');
  return {
    model: request.model,
    max_tokens: request.maxTokens,
    ...systemParam(request),
    messages: request.messages
      .filter((m) => m.role !== 'system')
      .map((m) => ({ role: 'user' as const, content: m.content })),
    ...(schema
      ? {
          tools: [{ name: OUTPUT_TOOL, description: 'Record the answer.', input_schema: schema as never }],
          tool_choice: { type: 'tool' as const, name: OUTPUT_TOOL },
        }
      : {}),
  };
}

/** The answer as text: the forced tool's input as JSON, else the text blocks. */
export function messageContent(message: Message): string {
  const tool = message.content.find((b) => b.type === 'tool_use');
  if (tool && tool.type === 'tool_use') return JSON.stringify(tool.input);
  return message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
}

const STATUS_OF_ERROR: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

function toProviderBatch(batch: MessageBatch, cancelRequested = false): ProviderBatch {
  const c = batch.request_counts;
  const total = c.processing + c.succeeded + c.errored + c.canceled + c.expired;
  let status: BatchStatus = 'in_progress';
  if (batch.processing_status === 'canceling') status = 'cancelling';
  else if (batch.processing_status === 'ended') {
    status = batch.cancel_initiated_at || cancelRequested ? 'cancelled' : c.expired > 0 ? 'expired' : 'completed';
  }
  return {
    id: batch.id,
    status,
    counts: { total, completed: c.succeeded, failed: c.errored + c.canceled + c.expired },
    errors: [],
    createdAtMs: Date.parse(batch.created_at),
    ...(batch.ended_at ? { endedAtMs: Date.parse(batch.ended_at) } : {}),
    metadata: {},
  };
}

export function parseIndividualResponse(line: MessageBatchIndividualResponse): ItemResult {
  const customId = line.custom_id;
  const result = line.result;
  switch (result.type) {
    case 'succeeded': {
      return { customId, ok: true, content: messageContent(result.message), usage: usageOf(result.message.usage) };
    }
    case 'errored': {
      const type = result.error.error.type;
      return {
        customId,
        ok: false,
        status: STATUS_OF_ERROR[type] ?? 500,
        code: type,
        message: result.error.error.message,
      };
    }
    case 'canceled':
      return { customId, ok: false, code: 'cancelled', message: 'the batch was cancelled before this request ran' };
    case 'expired':
      return { customId, ok: false, code: 'expired', message: 'the batch expired before this request ran' };
  }
}

export class AnthropicBatchProvider implements BatchProvider {
  readonly client: Anthropic;

  constructor(
    readonly name: string,
    config: AnthropicConfig,
  ) {
    this.client = new Anthropic({
      apiKey: config.apiKey,
      baseURL: config.baseURL,
      maxRetries: 0,
      timeout: config.timeoutMs ?? 50_000,
    });
  }

  async findBatch(_key: string, hint: FindHint): Promise<ProviderBatch | undefined> {
    const floor = hint.createdAfterMs - 60_000;
    const candidates: ProviderBatch[] = [];
    for await (const batch of this.client.messages.batches.list({ limit: 100 })) {
      const found = toProviderBatch(batch);
      if (found.createdAtMs < floor) break;
      if (!hint.claimed.has(found.id) && found.counts.total === hint.requests) candidates.push(found);
    }
    // Oldest first: two chunks that lost their creates at once each adopt one, in creation order.
    return candidates.sort((a, b) => a.createdAtMs - b.createdAtMs)[0];
  }

  async createBatch(requests: AsyncIterable<BatchRequest>, schema: JsonSchema | undefined): Promise<ProviderBatch> {
    // Message Batches take the requests in the JSON body of one call: they are all in hand here.
    const params = [];
    for await (const r of requests) params.push({ custom_id: r.customId, params: messageParams(r.request, schema) });
    const batch = await this.client.messages.batches.create({ requests: params });
    return toProviderBatch(batch);
  }

  async getBatch(batchId: string): Promise<ProviderBatch> {
    return toProviderBatch(await this.client.messages.batches.retrieve(batchId));
  }

  async cancelBatch(batchId: string): Promise<ProviderBatch> {
    return toProviderBatch(await this.client.messages.batches.cancel(batchId), true);
  }

  async *readResults(batch: ProviderBatch): AsyncIterable<ItemResult> {
    if (!['completed', 'expired', 'cancelled'].includes(batch.status)) return;
    for await (const line of await this.client.messages.batches.results(batch.id)) yield parseIndividualResponse(line);
  }

  async callSync(request: BatchRequest, schema: JsonSchema | undefined, signal?: AbortSignal): Promise<ItemResult> {
    const message = await this.client.messages.create(messageParams(request.request, schema), { signal });
    return { customId: request.customId, ok: true, content: messageContent(message), usage: usageOf(message.usage) };
  }
}
