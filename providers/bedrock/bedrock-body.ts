// The request and answer bodies of Bedrock, pure: a batch record's `modelInput` is the model's own
// InvokeModel body (Anthropic Claude: the Messages body with `anthropic_version:
// bedrock-2023-05-31`; Amazon Nova: `messages` / `inferenceConfig`), its `modelOutput` the model's
// own answer; the sync lane speaks Converse, which is the same for every model. Structured output is
// a forced tool whose input schema is the output schema, in each model's own spelling.
import type { ContentBlock, ConverseCommandInput, ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import { chatRequestOnly, type ChatRequest, type JsonSchema, type NeutralRequest, type TokenUsage } from '../../common';
import { messageContent, messageParams, usageOf } from '../anthropic/anthropic-batch';
import type { BatchStatus, ItemResult } from '../core/types';

/** What Claude on Bedrock takes in place of the Messages API's `anthropic-version` header. */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

const OUTPUT_TOOL = 'output';

/** Claude models (`anthropic.claude-...`, also as `us.anthropic...` profiles) take Anthropic's body. */
export function isClaudeOnBedrock(model: string): boolean {
  return /^([a-z]{2,6}(-gov)?\.)?anthropic\./.test(model);
}

/** Where a Bedrock job's status puts it in our lifecycle. */
export const BEDROCK_STATUS: Record<string, BatchStatus> = {
  // Accepted, not running yet: the stalled-batch watchdog (poll.startDeadline) watches `validating`.
  Submitted: 'validating',
  Validating: 'validating',
  Scheduled: 'validating',
  InProgress: 'in_progress',
  Stopping: 'cancelling',
  // Partly done: the failed records carry their error in the output and go on to strike 2.
  Completed: 'completed',
  PartiallyCompleted: 'completed',
  Failed: 'failed',
  Stopped: 'cancelled',
  Expired: 'expired',
};

function systemText(request: ChatRequest): string | undefined {
  const parts = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

function userMessages(request: ChatRequest) {
  return request.messages
    .filter((m) => m.role !== 'system')
    .map((m) => ({ role: 'user' as const, content: m.content }));
}

/** The Converse / Nova tool that forces the answer into the output schema. */
function toolConfigOf(schema: JsonSchema) {
  return {
    tools: [{ toolSpec: { name: OUTPUT_TOOL, description: 'Record the answer.', inputSchema: { json: schema } } }],
    toolChoice: { tool: { name: OUTPUT_TOOL } },
  };
}

/** A record's `modelInput`: the body the model itself takes through InvokeModel. */
export function modelInputOf(neutral: NeutralRequest, schema: JsonSchema | undefined): Record<string, unknown> {
  const request = chatRequestOnly(neutral, 'bedrock');
  if (isClaudeOnBedrock(request.model)) {
    // The Messages body without `model` (the job names it), with Bedrock's version in the body.
    const { model: _model, ...body } = messageParams(neutral, schema);
    void _model;
    return { anthropic_version: BEDROCK_ANTHROPIC_VERSION, ...body };
  }
  const system = systemText(request);
  return {
    schemaVersion: 'messages-v1',
    ...(system ? { system: [{ text: system }] } : {}),
    messages: userMessages(request).map((m) => ({ role: m.role, content: [{ text: m.content }] })),
    inferenceConfig: { maxTokens: request.maxTokens },
    ...(schema ? { toolConfig: toolConfigOf(schema) } : {}),
  };
}

/** The Converse parameters of one request (the sync lane: strike 3 and chunks below the minimum). */
export function converseParams(neutral: NeutralRequest, schema: JsonSchema | undefined): ConverseCommandInput {
  const request = chatRequestOnly(neutral, 'bedrock');
  const system = systemText(request);
  return {
    modelId: request.model,
    ...(system ? { system: [{ text: system }] } : {}),
    messages: userMessages(request).map((m) => ({ role: m.role, content: [{ text: m.content }] })),
    inferenceConfig: { maxTokens: request.maxTokens },
    ...(schema ? { toolConfig: toolConfigOf(schema) as ConverseCommandInput['toolConfig'] } : {}),
  };
}

interface ConverseLikeUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
  /** Nova's InvokeModel spelling of the cache counts. */
  cacheReadInputTokenCount?: number;
  cacheWriteInputTokenCount?: number;
}

function converseUsage(usage: ConverseLikeUsage | undefined): TokenUsage {
  return {
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cacheWriteTokens: usage?.cacheWriteInputTokens ?? usage?.cacheWriteInputTokenCount ?? 0,
    cacheReadTokens: usage?.cacheReadInputTokens ?? usage?.cacheReadInputTokenCount ?? 0,
  };
}

/** The answer of Converse-shaped content: the forced tool's input as JSON, else the text. */
function converseContent(content: ContentBlock[] | undefined): string {
  const tool = (content ?? []).find((b) => b.toolUse);
  if (tool?.toolUse) return JSON.stringify(tool.toolUse.input);
  return (content ?? []).map((b) => b.text ?? '').join('');
}

const FILTERED = new Set(['content_filtered', 'guardrail_intervened']);

/** Converse's answer (and Nova's InvokeModel answer, which has the same shape) as an item result. */
export function parseConverse(
  customId: string,
  response: Pick<ConverseCommandOutput, 'output' | 'stopReason'> & { usage?: ConverseLikeUsage },
): ItemResult {
  const usage = converseUsage(response.usage);
  if (response.stopReason && FILTERED.has(response.stopReason)) {
    return {
      customId,
      ok: false,
      code: 'content_filter',
      message: `the answer was withheld (stopReason ${response.stopReason})`,
      usage,
    };
  }
  return { customId, ok: true, content: converseContent(response.output?.message?.content), usage };
}

/** A record's `modelOutput` in the model's own format, as an item result. */
export function parseModelOutput(customId: string, model: string, output: unknown): ItemResult {
  if (output === null || typeof output !== 'object')
    return { customId, ok: false, code: 'empty_response', message: 'the record has no modelOutput' };
  if (isClaudeOnBedrock(model)) {
    const message = output as Message;
    if (message.stop_reason === 'refusal')
      return { customId, ok: false, code: 'refusal', message: 'the model refused', usage: usageOf(message.usage) };
    return { customId, ok: true, content: messageContent(message), usage: usageOf(message.usage) };
  }
  return parseConverse(customId, output as Parameters<typeof parseConverse>[1]);
}

/** A record error's `errorCode` (an HTTP status, as Bedrock writes it) with its `errorMessage`. */
export interface RecordError {
  errorCode?: number | string;
  errorMessage?: string;
}

/** One line of the job's `.jsonl.out`: the answer, or the record's error. */
export interface OutputRecord {
  recordId?: string;
  modelInput?: unknown;
  modelOutput?: unknown;
  error?: RecordError;
}

export function parseOutputRecord(line: OutputRecord, model: string): ItemResult | undefined {
  const customId = line.recordId;
  if (!customId) return undefined;
  if (line.error) {
    const status = Number(line.error.errorCode);
    return {
      customId,
      ok: false,
      status: Number.isInteger(status) && status >= 100 ? status : 500,
      code: Number.isInteger(status) ? undefined : String(line.error.errorCode ?? ''),
      message: line.error.errorMessage ?? `error ${String(line.error.errorCode ?? '')}`.trim(),
    };
  }
  return parseModelOutput(customId, model, line.modelOutput);
}

/** `manifest.json.out`: what the job did, with its token totals. */
export interface JobManifest {
  totalRecordCount?: number;
  processedRecordCount?: number;
  successRecordCount?: number;
  errorRecordCount?: number;
  inputTokenCount?: number;
  outputTokenCount?: number;
}
