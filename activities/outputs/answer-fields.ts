// The answer's top-level fields as typed columns, read off the output schema: one mapping that
// results.parquet and the PostgreSQL sink both lay out, so a field has the same type in either.
import type { JsonSchema } from '../../common';
import type { FinalItem } from '../../store';

/** What a column holds: the schema's scalar types, and everything else (objects, arrays, unions) as JSON. */
export type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'json';

export interface AnswerField {
  /** The column's name: the field's own, or answer_<field> when the field is named like a fixed column. */
  name: string;
  /** The answer's top-level property the column is read from. */
  field: string;
  kind: FieldKind;
}

export function kindOfProperty(schema: unknown): FieldKind {
  const type = (schema as { type?: unknown } | undefined)?.type;
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') return type;
  return 'json';
}

/**
 * The schema's top-level properties as columns, or undefined when the answer is not an object with
 * properties (free text, or a schema without them). A field named like one of the writer's fixed
 * columns keeps its value under answer_<name>.
 */
export function answerFields(schema: JsonSchema | undefined, fixed: ReadonlySet<string>): AnswerField[] | undefined {
  const properties = schema?.properties as Record<string, unknown> | undefined;
  if (!properties || schema?.type !== 'object') return undefined;
  return Object.entries(properties).map(([field, property]) => ({
    name: fixed.has(field) ? `answer_${field}` : field,
    field,
    kind: kindOfProperty(property),
  }));
}

/** 64-bit integers only: a larger JSON number would not fit an INT64 or a bigint column. */
const fitsInt64 = (n: number) => Number.isInteger(n) && n >= -(2 ** 63) && n < 2 ** 63;

/** A value as its column's kind takes it; anything that does not fit is null, never a wrong type. */
export function fitValue(kind: FieldKind, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'integer':
      return typeof value === 'number' && fitsInt64(value) ? BigInt(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      return value;
  }
}

/** A JSON answer's top-level object, which the typed columns are read from; undefined otherwise. */
export function parsedObject(item: FinalItem): Record<string, unknown> | undefined {
  if (!item.result?.json) return undefined;
  const value: unknown = JSON.parse(item.result.output);
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
