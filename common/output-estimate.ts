// The output side of an estimate, before any answer exists. With an output schema the likely
// answer is a typical instance of it (enums at their mean length, strings at half their bound,
// two array items) plus the seed's 25% buffer; free text is guessed at half of maxTokens. Either
// way the worst case is maxTokens, and a sample run (`estimate --sample N`) replaces the guess
// with measured answers.
import { SEED_DEFAULTS } from './constants';
import type { JsonSchema } from './spec';

/** JSON text runs about 3.5 characters a token in the o200k and Claude tokenizers. */
const JSON_CHARS_PER_TOKEN = 3.5;
/** A string with no bound: a short phrase. */
const FREE_STRING_CHARS = 40;
const MAX_DEPTH = 8;

type Schema = Record<string, unknown>;

function asSchema(value: unknown): Schema | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Schema) : undefined;
}

function resolveRef(schema: Schema, root: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = asSchema(node)?.[part];
  return asSchema(node) ?? {};
}

/** Characters of a typical JSON instance of the schema. */
function typicalChars(input: unknown, root: Schema, depth: number): number {
  const schema = asSchema(input);
  if (!schema || depth > MAX_DEPTH) return 4;
  const s = resolveRef(schema, root);
  if ('const' in s) return JSON.stringify(s.const ?? null).length;
  if (Array.isArray(s.enum) && s.enum.length > 0) {
    return s.enum.reduce<number>((n, v) => n + JSON.stringify(v ?? null).length, 0) / s.enum.length;
  }
  const branches = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) {
    return Math.max(...branches.map((b) => typicalChars(b, root, depth + 1)));
  }
  const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : (s.type as string | undefined);
  switch (type) {
    case 'object': {
      const properties = asSchema(s.properties) ?? {};
      const fields = Object.entries(properties).map(([k, v]) => k.length + 3 + typicalChars(v, root, depth + 1));
      return 2 + fields.reduce((a, b) => a + b, 0) + Math.max(0, fields.length - 1);
    }
    case 'array': {
      const items = Math.max(typeof s.minItems === 'number' ? s.minItems : 0, Math.min(2, Number(s.maxItems ?? 2)));
      return 2 + items * (typicalChars(s.items, root, depth + 1) + 1);
    }
    case 'string': {
      const max = typeof s.maxLength === 'number' ? s.maxLength : undefined;
      const min = typeof s.minLength === 'number' ? s.minLength : 0;
      return 2 + Math.max(min, max === undefined ? FREE_STRING_CHARS : Math.ceil(max / 2));
    }
    case 'integer':
    case 'number':
      return 3;
    case 'boolean':
      return 5;
    case 'null':
      return 4;
    default:
      return FREE_STRING_CHARS;
  }
}

/** Likely output tokens of one answer: a typical schema instance plus the buffer, or half of maxTokens. */
export function likelyOutputTokens(schema: JsonSchema | undefined, maxTokens: number): number {
  if (!schema) return Math.max(1, Math.ceil(maxTokens * SEED_DEFAULTS.outputEstimateShare));
  const tokens = Math.ceil(
    (typicalChars(schema, schema, 0) / JSON_CHARS_PER_TOKEN) * SEED_DEFAULTS.outputEstimateBuffer,
  );
  return Math.max(1, Math.min(maxTokens, tokens));
}
