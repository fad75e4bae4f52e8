// The fake model behind the Anthropic paths: a pure function of the Messages API params, like its
// OpenAI twin. A forced tool (`tool_choice: {type: 'tool', name}`, or `any` with tools) gets a
// `tool_use` block whose input satisfies the tool's `input_schema`; `output_config.format`
// json_schema gets JSON text satisfying it; anything else gets a text block echoing the request.
// Shapes follow @anthropic-ai/sdk's `Message` type.
import { hashSeed, requestHash } from '../core/canonical';
import { lastUserText, promptTokens, type Corruption } from '../core/fake-model';
import { sampleSchema, UNBREAKABLE, violateSchema } from '../core/json-schema-sample';
import type { CacheUse } from './prompt-cache';
import { Rng } from '../core/random';

const ECHO_CHARS = 80;
/** Anthropic's custom_id rule for batch requests. */
export const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

export type AnthropicBlock =
  | { type: 'text'; text: string; citations: null }
  | { type: 'tool_use'; id: string; name: string; input: unknown; caller: { type: 'direct' } };

export interface MessageAnswer {
  content: AnthropicBlock[];
  stopReason: 'end_turn' | 'tool_use' | 'max_tokens';
  /** Prompt tokens billed at the input price: the cache's writes and reads are not among them. */
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens?: number;
  cacheReadTokens?: number;
}

/** The answer as billed once the prompt cache had its say: the cached part moves out of inputTokens. */
export function withCacheUse(answer: MessageAnswer, use: CacheUse): MessageAnswer {
  const cached = Math.min(answer.inputTokens, use.writeTokens + use.readTokens);
  if (cached === 0) return answer;
  return {
    ...answer,
    inputTokens: answer.inputTokens - cached,
    cacheWriteTokens: Math.min(use.writeTokens, cached),
    cacheReadTokens: cached - Math.min(use.writeTokens, cached),
  };
}

interface ToolDef {
  name: string;
  input_schema?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The checks the Messages API makes on its params, as the message it would answer with, or
 * undefined when the params are acceptable. Sync calls turn it into a 400; batch requests into an
 * `errored` result (Anthropic validates batch params asynchronously).
 */
export function messageParamsProblem(params: unknown): string | undefined {
  if (!isObject(params)) return 'params: Input should be a valid dictionary';
  if (typeof params.model !== 'string' || params.model === '') return 'model: Field required';
  const max = params.max_tokens;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1)
    return 'max_tokens: Input should be an integer greater than or equal to 1';
  if (!Array.isArray(params.messages)) return 'messages: Field required';
  if (params.messages.length === 0) return 'messages: at least one message is required';
  for (let i = 0; i < params.messages.length; i++) {
    const m = params.messages[i] as unknown;
    if (!isObject(m)) return `messages.${i}: Input should be a valid dictionary`;
    if (m.role !== 'user' && m.role !== 'assistant' && m.role !== 'system')
      return `messages.${i}.role: Input should be 'user', 'assistant' or 'system'`;
    if (typeof m.content !== 'string' && !Array.isArray(m.content))
      return `messages.${i}.content: Input should be a valid string or list`;
  }
  if (params.system !== undefined && typeof params.system !== 'string' && !Array.isArray(params.system))
    return 'system: Input should be a valid string or list';
  if (params.stream === true) return 'stream: streaming is not supported by the simulator';
  if (params.tools !== undefined && !Array.isArray(params.tools)) return 'tools: Input should be a valid list';
  const tools = (params.tools ?? []) as unknown[];
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i];
    if (!isObject(t) || typeof t.name !== 'string' || t.name === '') return `tools.${i}.name: Field required`;
    if (t.type === undefined || t.type === null || t.type === 'custom') {
      if (!isObject(t.input_schema)) return `tools.${i}.custom.input_schema: Field required`;
    }
  }
  const choice = params.tool_choice;
  if (choice !== undefined) {
    if (!isObject(choice) || !['auto', 'any', 'tool', 'none'].includes(String(choice.type)))
      return "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'";
    if (choice.type === 'tool') {
      if (typeof choice.name !== 'string') return 'tool_choice.tool.name: Field required';
      if (!tools.some((t) => isObject(t) && t.name === choice.name))
        return `Tool '${choice.name}' named in tool_choice is not among the tools provided.`;
    }
    if (choice.type === 'any' && tools.length === 0) return "tool_choice 'any' requires at least one tool";
  }
  return undefined;
}

/** The tool the model must call, if the params force one. */
function forcedTool(params: Record<string, unknown>): ToolDef | undefined {
  const choice = params.tool_choice as { type?: unknown; name?: unknown } | undefined;
  const tools = (Array.isArray(params.tools) ? params.tools : []) as ToolDef[];
  if (choice?.type === 'tool') return tools.find((t) => t.name === choice.name);
  if (choice?.type === 'any') return tools[0];
  return undefined;
}

function outputSchema(params: Record<string, unknown>): unknown {
  const format = (params.output_config as { format?: { type?: unknown; schema?: unknown } } | undefined)?.format;
  return format?.type === 'json_schema' ? (format.schema ?? {}) : undefined;
}

function systemChars(system: unknown): number {
  if (typeof system === 'string') return system.length;
  if (!Array.isArray(system)) return 0;
  let n = 0;
  for (const part of system as Array<{ text?: unknown }>) if (typeof part?.text === 'string') n += part.text.length;
  return n;
}

/** The answer to valid params (check messageParamsProblem first). `hash` is requestHash(params). */
export function answerMessage(
  params: Record<string, unknown>,
  corruption: Corruption = 'none',
  hash: string = requestHash(params),
  toolUseId: () => string = () => `toolu_01${hashSeed(hash).toString(16).padStart(8, '0')}`,
): MessageAnswer {
  const rng = new Rng(hashSeed(hash));
  const tool = forcedTool(params);
  const schema = tool ? (tool.input_schema ?? {}) : outputSchema(params);
  let content: AnthropicBlock[];
  let outputChars: number;

  if (corruption === 'empty') {
    content = [];
    outputChars = 0;
  } else if (tool) {
    let input: unknown = sampleSchema(schema, rng);
    if (corruption === 'schema') {
      const broken = violateSchema(schema, rng);
      input = broken === UNBREAKABLE ? undefined : broken;
    }
    if (input === undefined) {
      // Nothing can break a schema that accepts anything: the model "forgets" to call the tool.
      content = [{ type: 'text', text: '', citations: null }];
      outputChars = 0;
    } else {
      const json = JSON.stringify(input);
      content = [{ type: 'tool_use', id: toolUseId(), name: tool.name, input, caller: { type: 'direct' } }];
      outputChars = json.length + tool.name.length;
    }
  } else {
    let text: string;
    if (schema !== undefined) {
      const value = corruption === 'schema' ? violateSchema(schema, rng) : sampleSchema(schema, rng);
      text = value === UNBREAKABLE ? '' : JSON.stringify(value);
    } else {
      text = corruption === 'schema' ? '' : `Answer to: ${lastUserText(params.messages).slice(0, ECHO_CHARS)}`;
    }
    content = [{ type: 'text', text, citations: null }];
    outputChars = text.length;
  }

  const inputTokens = promptTokens(params.messages) + Math.ceil(systemChars(params.system) / 4);
  const max = typeof params.max_tokens === 'number' ? params.max_tokens : Infinity;
  // As on the OpenAI side: usage is capped at max_tokens, the content is never cut.
  const outputTokens = Math.min(Math.ceil(outputChars / 4), max);
  const usesTool = content.some((b) => b.type === 'tool_use');
  return { content, stopReason: usesTool ? 'tool_use' : 'end_turn', inputTokens, outputTokens };
}

/**
 * The `Message` object of @anthropic-ai/sdk, spelled out here so the simulator needs no SDK; a
 * type test (simulator-anthropic.test.ts) holds it assignable to the SDK's own `Message`.
 */
export interface MessageJson {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicBlock[];
  stop_reason: MessageAnswer['stopReason'];
  stop_sequence: null;
  stop_details: null;
  container: null;
  diagnostics: null;
  usage: {
    input_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
    cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
    output_tokens: number;
    output_tokens_details: null;
    server_tool_use: null;
    service_tier: 'standard' | 'batch';
    inference_geo: null;
    speed: null;
  };
}

/** The `Message` object around an answer. */
export function messageObject(
  id: string,
  model: string,
  answer: MessageAnswer,
  tier: 'standard' | 'batch',
): MessageJson {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: answer.content,
    stop_reason: answer.stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: answer.inputTokens,
      cache_creation_input_tokens: answer.cacheWriteTokens ?? 0,
      cache_read_input_tokens: answer.cacheReadTokens ?? 0,
      // Only the default 5-minute TTL is modelled.
      cache_creation: { ephemeral_5m_input_tokens: answer.cacheWriteTokens ?? 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: answer.outputTokens,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: tier,
      inference_geo: null,
      speed: null,
    },
  };
}
