// Validates an embedding answer (the vector as JSON text, as the provider adapters hand it on): a
// non-empty array of finite numbers of the length the run asked for. A vector of the wrong length
// is as useless as a chat answer that breaks its schema, and fails the same way (retried).
import { nativeDimensions, priceModelOf, type ResolvedSpec } from '../../common';
import type { OutputCheck } from './answer-check';

/** The vector length a run's answers must have: `dimensions`, else the model's own; undefined when unknown. */
export function expectedDimensions(spec: Pick<ResolvedSpec, 'embed' | 'model' | 'priceModel'>): number | undefined {
  return spec.embed?.dimensions ?? nativeDimensions(priceModelOf(spec));
}

export function checkEmbedding(content: string, dimensions: number | undefined): OutputCheck {
  let vector: unknown;
  try {
    vector = JSON.parse(content);
  } catch (error) {
    return { ok: false, kind: 'schema_violation', error: `embedding is not JSON: ${(error as Error).message}` };
  }
  if (!Array.isArray(vector) || vector.length === 0)
    return { ok: false, kind: 'empty_output', error: 'the provider returned no embedding vector' };
  if (!vector.every((x) => typeof x === 'number' && Number.isFinite(x)))
    return { ok: false, kind: 'schema_violation', error: 'embedding holds something other than finite numbers' };
  if (dimensions !== undefined && vector.length !== dimensions)
    return {
      ok: false,
      kind: 'schema_violation',
      error: `embedding has ${vector.length} dimensions, expected ${dimensions}`,
    };
  return { ok: true };
}
