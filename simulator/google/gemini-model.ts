// The fake model behind the Gemini paths: a pure function of a GenerateContentRequest, like its
// OpenAI and Anthropic twins. `generationConfig.responseMimeType: application/json` with a
// `responseSchema` (the API's Schema: types in capitals, `nullable`) or a `responseJsonSchema` gets
// JSON text satisfying it; anything else gets text echoing the request. Shapes follow the REST
// GenerateContentResponse as @google/genai reads it.
import { hashSeed, requestHash } from '../core/canonical';
import type { Corruption } from '../core/fake-model';
import { sampleSchema, UNBREAKABLE, violateSchema } from '../core/json-schema-sample';
import { Rng } from '../core/random';
import { isGeminiModel, priceOf } from '../../common';

const ECHO_CHARS = 80;

/** Models the simulated Gemini API serves beyond the priced ones. */
const EXTRA_MODELS = new Set(['gemini-2.0-flash-lite', 'gemini-2.5-flash-preview-09-2025', 'gemini-flash-latest']);

/** `models/gemini-2.5-flash` or `gemini-2.5-flash` -> `gemini-2.5-flash`. */
export function bareModel(model: string): string {
  return model.replace(/^models\//, '');
}

/** Whether the simulated API knows the model: a Gemini model with a price, or one of a few more. */
export function knownGeminiModel(model: string): boolean {
  const bare = bareModel(model);
  return isGeminiModel(bare) && (priceOf(bare) !== undefined || EXTRA_MODELS.has(bare));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * What the API would refuse in a GenerateContentRequest, as its INVALID_ARGUMENT message, or
 * undefined when it is acceptable. Sync calls turn it into a 400; a batch request into a per-item
 * error (the batch API checks each request as it runs it).
 */
export function generateRequestProblem(body: unknown): string | undefined {
  if (!isObject(body)) return 'Invalid JSON payload received. Expected an object.';
  if (!Array.isArray(body.contents) || body.contents.length === 0)
    return '* GenerateContentRequest.contents: contents is not specified';
  for (let i = 0; i < body.contents.length; i++) {
    const c = body.contents[i] as unknown;
    if (!isObject(c) || !Array.isArray(c.parts) || c.parts.length === 0)
      return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`;
    if (c.role !== undefined && c.role !== 'user' && c.role !== 'model')
      return `Please use a valid role: user, model. (contents[${i}].role: ${JSON.stringify(c.role)})`;
  }
  const config = body.generationConfig;
  if (config !== undefined && !isObject(config)) return 'Invalid value at generation_config: expected an object';
  if (isObject(config)) {
    const max = config.maxOutputTokens;
    if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1))
      return '* GenerateContentRequest.generation_config.max_output_tokens: must be a positive integer';
    const mime = config.responseMimeType;
    if (
      mime !== undefined &&
      (typeof mime !== 'string' || !['text/plain', 'application/json', 'text/x.enum'].includes(mime))
    )
      return `* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are \`text/plain\`, \`application/json\`, and \`text/x.enum\`; got ${JSON.stringify(mime)}`;
    if ((config.responseSchema !== undefined || config.responseJsonSchema !== undefined) && mime !== 'application/json')
      return '* GenerateContentRequest.generation_config.response_schema: response_mime_type must be application/json when a response schema is set';
  }
  return undefined;
}

/** The API's Schema (OpenAPI subset) as JSON Schema, for the sampler. */
export function jsonSchemaOf(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'type' && typeof v === 'string') out.type = v.toLowerCase();
    else if (k === 'nullable') continue;
    else if (k === 'items') out.items = jsonSchemaOf(v);
    else if (k === 'anyOf' && Array.isArray(v)) out.anyOf = v.map(jsonSchemaOf);
    else if (k === 'properties' && isObject(v))
      out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, jsonSchemaOf(s)]));
    else if (k === 'propertyOrdering') continue;
    else out[k] = v;
  }
  // Gemini objects are open unless the schema says otherwise: keep what the model writes to the properties.
  if (out.type === 'object' && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function outputSchema(body: Record<string, unknown>): unknown {
  const config = isObject(body.generationConfig) ? body.generationConfig : {};
  if (config.responseMimeType !== 'application/json') return undefined;
  if (config.responseJsonSchema !== undefined) return config.responseJsonSchema;
  if (config.responseSchema !== undefined) return jsonSchemaOf(config.responseSchema);
  return {};
}

function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return '';
  let text = '';
  for (const part of parts as Array<{ text?: unknown }>) if (typeof part?.text === 'string') text += part.text;
  return text;
}

function lastUserText(contents: unknown): string {
  if (!Array.isArray(contents)) return '';
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i] as { role?: unknown; parts?: unknown };
    if (c && (c.role === undefined || c.role === 'user')) return partsText(c.parts);
  }
  return '';
}

/** 4 characters a token, 3 tokens of framing per content: stable and cheap, like the other families. */
function promptTokenCount(body: Record<string, unknown>): number {
  const contents = Array.isArray(body.contents) ? (body.contents as Array<{ parts?: unknown }>) : [];
  let chars = 0;
  for (const c of contents) chars += partsText(c?.parts).length;
  const system = body.systemInstruction as { parts?: unknown } | undefined;
  chars += partsText(system?.parts).length;
  return Math.ceil(chars / 4) + 3 * contents.length;
}

export interface GeminiAnswer {
  text: string;
  promptTokens: number;
  outputTokens: number;
  finishReason: 'STOP' | 'MAX_TOKENS';
}

/** The answer to an acceptable request (check generateRequestProblem first). */
export function answerGenerate(
  body: Record<string, unknown>,
  corruption: Corruption = 'none',
  hash: string = requestHash(body),
): GeminiAnswer {
  const rng = new Rng(hashSeed(hash));
  const schema = outputSchema(body);
  let text: string;
  if (corruption === 'empty') text = '';
  else if (schema !== undefined) {
    const value = corruption === 'schema' ? violateSchema(schema, rng) : sampleSchema(schema, rng);
    text = value === UNBREAKABLE ? '' : JSON.stringify(value);
  } else text = corruption === 'schema' ? '' : `Answer to: ${lastUserText(body.contents).slice(0, ECHO_CHARS)}`;
  const config = isObject(body.generationConfig) ? body.generationConfig : {};
  const max = typeof config.maxOutputTokens === 'number' ? config.maxOutputTokens : Infinity;
  // As on the other families: usage is capped at the max, the content is never cut.
  const outputTokens = Math.min(Math.ceil(text.length / 4), max);
  return { text, promptTokens: promptTokenCount(body), outputTokens, finishReason: 'STOP' };
}

/** The REST GenerateContentResponse around an answer. */
export function generateContentResponse(model: string, answer: GeminiAnswer, responseId: string) {
  return {
    candidates: [
      {
        content: { parts: [{ text: answer.text }], role: 'model' },
        finishReason: answer.finishReason,
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: answer.promptTokens,
      candidatesTokenCount: answer.outputTokens,
      totalTokenCount: answer.promptTokens + answer.outputTokens,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: answer.promptTokens }],
    },
    modelVersion: bareModel(model),
    responseId,
  };
}
