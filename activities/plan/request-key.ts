// The dedup key: sha256 of the canonical request (model, messages, limits, output schema). It is
// also the provider custom_id (64 hex chars fit Anthropic's ^[a-zA-Z0-9_-]{1,64}$).
import { createHash } from 'node:crypto';
import type { JsonSchema, NeutralRequest } from '../../common';

/**
 * JSON with object keys sorted and undefined members left out. The keys of earlier runs (and so the
 * answers cache across runs) depend on this text byte for byte: test/unit/activities-pure.test.ts
 * holds known keys. Written as loops: plan keys every line, and the array-building form was 15% of
 * a 1M-item plan.
 */
function canonical(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + (canonical(value[i]) ?? '');
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, as `<` does.
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + canonical(member);
  }
  return out + '}';
}

/** A run's schema is the same object for every line: its canonical text is made once. */
const schemaTexts = new WeakMap<object, string>();

function schemaText(schema: JsonSchema | undefined): string {
  if (!schema) return 'null';
  let text = schemaTexts.get(schema);
  if (text === undefined) schemaTexts.set(schema, (text = canonical(schema)));
  return text;
}

export function dedupKeyOf(provider: string, request: NeutralRequest, schema: JsonSchema | undefined): string {
  // A prompt-cache mark changes the bill, not the answer: keys (and answers cached across runs)
  // stay what they were before requests carried it.
  const asked = { ...request, cacheSystem: undefined };
  // canonical({ provider, request, schema }), its three keys already in order.
  return createHash('sha256')
    .update(`{"provider":${JSON.stringify(provider)},"request":${canonical(asked)},"schema":${schemaText(schema)}}`)
    .digest('hex');
}
