// Renders one input item into a provider-neutral request: a chat request from the spec's template,
// or an embedding request from the item's `embed` field. A field that cannot be rendered is a
// problem of that line (rejected.jsonl names the line), never a crash of the plan.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import {
  renderTemplate,
  type ChatMessage,
  type EmbeddingRequest,
  type NeutralRequest,
  type ResolvedSpec,
} from '../../common';

/** OpenAI's limit on one embedding input (every current embeddings model): longer inputs are refused with a 400. */
export const MAX_EMBEDDING_INPUT_TOKENS = 8192;

/** An item whose embed field cannot be embedded: the line is rejected with this message. */
export class EmbedFieldProblem extends Error {}

/** The field's value: an own property by that exact name, else a dotted path of own properties. */
function fieldValue(record: Record<string, unknown>, field: string): unknown {
  if (Object.hasOwn(record, field)) return record[field];
  let value: unknown = record;
  for (const segment of field.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

export function renderEmbedding(
  spec: Pick<ResolvedSpec, 'model'>,
  embed: NonNullable<ResolvedSpec['embed']>,
  record: Record<string, unknown>,
): EmbeddingRequest {
  const value = fieldValue(record, embed.field);
  if (value === undefined) throw new EmbedFieldProblem(`embed field "${embed.field}" is missing`);
  // A number or an object is not text: embedding its JSON would embed something nobody wrote.
  if (typeof value !== 'string')
    throw new EmbedFieldProblem(`embed field "${embed.field}" must be text, not ${describe(value)}`);
  if (value.trim() === '') throw new EmbedFieldProblem(`embed field "${embed.field}" is empty`);
  // Counted only when it could be over: a token is at least one character.
  if (value.length > MAX_EMBEDDING_INPUT_TOKENS) {
    const tokens = countTokens(value, { disallowedSpecial: new Set() });
    if (tokens > MAX_EMBEDDING_INPUT_TOKENS)
      throw new EmbedFieldProblem(
        `embed field "${embed.field}" is ${tokens} tokens; an embedding input takes at most ${MAX_EMBEDDING_INPUT_TOKENS}`,
      );
  }
  return {
    kind: 'embedding',
    model: spec.model,
    input: value,
    ...(embed.dimensions ? { dimensions: embed.dimensions } : {}),
  };
}

export function renderRequest(
  spec: ResolvedSpec,
  record: Record<string, unknown>,
  cacheSystem: boolean,
): NeutralRequest {
  if (spec.embed) return renderEmbedding(spec, spec.embed, record);
  if (!spec.template) throw new Error(`spec ${spec.name} has neither a template nor an embed field`);
  const messages: ChatMessage[] = [];
  if (spec.template.system) messages.push({ role: 'system', content: renderTemplate(spec.template.system, record) });
  messages.push({ role: 'user', content: renderTemplate(spec.template.user, record) });
  return { model: spec.model, messages, maxTokens: spec.maxTokens, ...(cacheSystem ? { cacheSystem: true } : {}) };
}
