// The dedup key: sha256 of the canonical request (model, messages, limits, output schema). It is
// also the provider custom_id (64 hex chars fit Anthropic's ^[a-zA-Z0-9_-]{1,64}$).
import { createHash } from 'node:crypto';
import type { JsonSchema, NeutralRequest } from '../common';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function dedupKeyOf(provider: string, request: NeutralRequest, schema: JsonSchema | undefined): string {
  // A prompt-cache mark changes the bill, not the answer: keys (and answers cached across runs)
  // stay what they were before requests carried it.
  const asked = { ...request, cacheSystem: undefined };
  return createHash('sha256')
    .update(canonical({ provider, request: asked, schema: schema ?? null }))
    .digest('hex');
}
