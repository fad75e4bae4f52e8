// Canonical request identity. The ledger's doubleBilled counter and the fake model's answers are
// keyed on "the same request", which must not depend on key order in the JSON a client sent.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth; arrays keep their order (it is meaningful). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    if (obj[key] === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(obj[key])}`);
  }
  return `{${parts.join(',')}}`;
}

/** sha256 of the canonical body, model included (the body carries it). */
export function requestHash(body: unknown): string {
  return hashCanonical(canonicalJson(body));
}

/** For callers that already hold the canonical string. */
export function hashCanonical(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}
