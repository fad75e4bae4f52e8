// Validates a model's answer against the spec's output schema. Valid JSON with the wrong shape,
// or an empty answer, is an item failure: it never reaches results.jsonl.
import Ajv, { type ValidateFunction } from 'ajv';
import type { JsonSchema, ResolvedSpec } from '../../common';
import { checkEmbedding, expectedDimensions } from './embedding-check';

import type { OutputCheck } from './answer-check';

export type { OutputCheck };

const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

export function compileOutputSchema(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export function checkOutput(content: string, schema: JsonSchema | undefined): OutputCheck {
  if (!content.trim()) return { ok: false, kind: 'empty_output', error: 'the model returned an empty answer' };
  if (!schema) return { ok: true };
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    return { ok: false, kind: 'schema_violation', error: `answer is not JSON: ${(error as Error).message}` };
  }
  const validate = compileOutputSchema(schema);
  if (!validate(parsed)) {
    const first = validate.errors?.[0];
    const where = first?.instancePath || '(root)';
    return {
      ok: false,
      kind: 'schema_violation',
      error: `answer breaks the output schema at ${where}: ${first?.message}`,
    };
  }
  return { ok: true, parsed };
}

/** The check an answer of this run gets: an embedding's vector, or a chat answer against the output schema. */
export function checkAnswer(content: string, spec: ResolvedSpec): OutputCheck {
  return spec.embed ? checkEmbedding(content, expectedDimensions(spec)) : checkOutput(content, spec.outputSchema);
}
