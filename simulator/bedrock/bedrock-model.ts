// The fake model behind the Bedrock paths, in each body format Bedrock takes: Claude's InvokeModel
// body (Anthropic's Messages body with `anthropic_version: bedrock-2023-05-31`), Nova's
// (`messages` of `{text}` parts, `inferenceConfig`, `toolConfig`) and Converse, which has Nova's
// shape. Each is read into Anthropic's Messages params and answered by the Anthropic fake model, so a
// forced tool gets input satisfying its schema; the answer is written back in the format asked.
// One request asked in a batch record (model body) and again through Converse hashes the same, so
// the ledger sees a double bill across the two.
import { isBedrockModel, priceOf } from '../../common';
import { answerMessage, messageObject, type MessageAnswer } from '../anthropic/anthropic-model';
import { requestHash } from '../core/canonical';
import type { Corruption } from '../core/fake-model';

export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function isClaudeModel(model: string): boolean {
  return /^([a-z]{2,6}(-gov)?\.)?anthropic\./.test(model);
}

/** A model the simulated Bedrock serves: a Bedrock model id with a price. */
export function knownBedrockModel(model: string): boolean {
  return isBedrockModel(model) && priceOf(model) !== undefined;
}

/** The format of a body: Claude's own, or Converse's (which Nova's InvokeModel body shares). */
export type BodyFormat = 'claude' | 'converse';

/** What the model is asked, whatever the format: the ledger's hash and the fake model's input. */
interface Asked {
  system: string;
  user: string[];
  maxTokens?: number;
  tool?: { name: string; schema: unknown };
}

function texts(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: unknown) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('');
}

function askedOf(body: Record<string, unknown>, format: BodyFormat): Asked {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  const user = messages.map((m) => (isObject(m) ? texts(m.content) : ''));
  const system = texts(body.system);
  if (format === 'claude') {
    const tools = Array.isArray(body.tools) ? (body.tools as Array<Record<string, unknown>>) : [];
    const choice = isObject(body.tool_choice) ? body.tool_choice : undefined;
    const forced = choice?.type === 'tool' ? tools.find((t) => t.name === choice.name) : undefined;
    return {
      system,
      user,
      maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : undefined,
      ...(forced ? { tool: { name: String(forced.name), schema: forced.input_schema } } : {}),
    };
  }
  const config = isObject(body.inferenceConfig) ? body.inferenceConfig : {};
  const toolConfig = isObject(body.toolConfig) ? body.toolConfig : undefined;
  const specs = (Array.isArray(toolConfig?.tools) ? toolConfig.tools : []) as Array<{ toolSpec?: unknown }>;
  const choice = isObject(toolConfig?.toolChoice) ? toolConfig.toolChoice : undefined;
  const forcedName = isObject(choice?.tool) ? choice.tool.name : undefined;
  const forced = specs
    .map((t) => (isObject(t.toolSpec) ? t.toolSpec : undefined))
    .find((t) => t !== undefined && t.name === forcedName);
  const schema = isObject(forced?.inputSchema) ? forced.inputSchema.json : undefined;
  return {
    system,
    user,
    maxTokens: typeof config.maxTokens === 'number' ? config.maxTokens : undefined,
    ...(forced ? { tool: { name: String(forced.name), schema } } : {}),
  };
}

/** What Bedrock would refuse in a body, as its ValidationException message; undefined when fine. */
export function bodyProblem(body: unknown, format: BodyFormat): string | undefined {
  if (!isObject(body)) return 'Malformed input request: expected a JSON object.';
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return 'Malformed input request: #: required key [messages] not found or empty.';
  if (format === 'claude') {
    if (body.anthropic_version !== BEDROCK_ANTHROPIC_VERSION)
      return `Malformed input request: #/anthropic_version: expected ${BEDROCK_ANTHROPIC_VERSION}.`;
    if (typeof body.max_tokens !== 'number' || body.max_tokens < 1)
      return 'Malformed input request: #: required key [max_tokens] not found.';
    if ('model' in body) return 'Malformed input request: #: extraneous key [model] is not permitted.';
  }
  return undefined;
}

/** The ledger's hash of a request: what is asked, and of which model, whatever the format. */
export function bedrockRequestHash(model: string, body: Record<string, unknown>, format: BodyFormat): string {
  return requestHash({
    model: model.replace(/^[a-z]{2,6}(-gov)?\.(?=(anthropic|amazon)\.)/, ''),
    ...askedOf(body, format),
  });
}

export function answerBody(
  body: Record<string, unknown>,
  format: BodyFormat,
  corruption: Corruption,
  hash: string,
): MessageAnswer {
  const asked = askedOf(body, format);
  const params: Record<string, unknown> = {
    ...(asked.maxTokens !== undefined ? { max_tokens: asked.maxTokens } : {}),
    system: asked.system,
    messages: asked.user.map((content) => ({ role: 'user', content })),
    ...(asked.tool
      ? {
          tools: [{ name: asked.tool.name, input_schema: asked.tool.schema ?? {} }],
          tool_choice: { type: 'tool', name: asked.tool.name },
        }
      : {}),
  };
  return answerMessage(params, corruption, hash);
}

/** Converse's answer, which is also Nova's InvokeModel answer. */
export function converseOutput(answer: MessageAnswer, latencyMs: number) {
  return {
    output: {
      message: {
        role: 'assistant',
        content: answer.content.map((b) =>
          b.type === 'tool_use' ? { toolUse: { toolUseId: b.id, name: b.name, input: b.input } } : { text: b.text },
        ),
      },
    },
    stopReason: answer.stopReason,
    usage: {
      inputTokens: answer.inputTokens,
      outputTokens: answer.outputTokens,
      totalTokens: answer.inputTokens + answer.outputTokens,
    },
    metrics: { latencyMs },
  };
}

/** A batch record's modelOutput, in the model's own format. */
export function modelOutput(model: string, answer: MessageAnswer, id: string): unknown {
  if (isClaudeModel(model)) return messageObject(id, model, answer, 'batch');
  const { metrics: _metrics, ...output } = converseOutput(answer, 0);
  void _metrics;
  return output;
}
