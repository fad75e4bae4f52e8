// The PostgreSQL sink's table: the columns a run writes (the item id, the answer, the output
// schema's top-level fields as typed columns, who answered, for which run, when), and whether a
// table that already exists can take them. Pure, so the rules are tested without a server; the
// sink (postgres-sink.ts) reads the catalog and acts on the answer.
import type { JsonSchema } from '../../common';
import { answerFields, type FieldKind } from './answer-fields';

export interface SinkColumn {
  name: string;
  /** The type the sink creates the column with, and stages its values as. */
  type: string;
  /** Types an existing column may have and still take the staged values through an insert. */
  accepts: readonly string[];
  /** What the values are, in a refusal: "the answer's number". */
  holds: string;
  /** A typed answer column: the field it is read from, and its kind. */
  field?: { name: string; kind: FieldKind };
}

const TEXT = ['text', 'character varying'];
const FIELD_TYPES: Record<FieldKind, Pick<SinkColumn, 'type' | 'accepts'>> = {
  string: { type: 'text', accepts: TEXT },
  // numeric takes every bigint; double precision would round past 2^53, so it is refused.
  integer: { type: 'bigint', accepts: ['bigint', 'numeric'] },
  number: { type: 'double precision', accepts: ['double precision', 'numeric'] },
  boolean: { type: 'boolean', accepts: ['boolean'] },
  json: { type: 'jsonb', accepts: ['jsonb', 'json'] },
};

const fixed = (name: string, type: string, accepts: readonly string[], holds: string): SinkColumn => ({
  name,
  type,
  accepts,
  holds,
});

const HEAD = [fixed('id', 'text', TEXT, 'the item id'), fixed('answer', 'jsonb', ['jsonb', 'json'], 'the answer')];
const TAIL = [
  fixed('model', 'text', TEXT, 'the model that answered'),
  fixed('provider', 'text', TEXT, 'the provider that answered'),
  fixed('mode', 'text', TEXT, 'the lane (batch or sync)'),
  fixed('strike', 'integer', ['integer', 'smallint', 'bigint', 'numeric'], 'the strike'),
  fixed('run_id', 'text', TEXT, 'the run id'),
  fixed(
    'updated_at',
    'timestamp with time zone',
    ['timestamp with time zone', 'timestamp without time zone'],
    'the time',
  ),
];
const FIXED_NAMES = new Set([...HEAD, ...TAIL].map((c) => c.name));

/** PostgreSQL keeps the first 63 bytes of a name: two longer names could become one column. */
const MAX_NAME_BYTES = 63;

/** The table's columns for a run with this output schema (none, or free text: no typed columns). */
export function sinkColumns(schema: JsonSchema | undefined): SinkColumn[] {
  const fields = (answerFields(schema, FIXED_NAMES) ?? []).map(({ name, field, kind }) => ({
    name,
    ...FIELD_TYPES[kind],
    holds: `the answer's ${kind === 'json' ? 'JSON' : kind} field "${field}"`,
    field: { name: field, kind },
  }));
  return [...HEAD, ...fields, ...TAIL];
}

/** A schema whose fields cannot all be columns: names too long for PostgreSQL, or two fields on one column. */
export function columnNameProblems(columns: SinkColumn[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { name } of columns) {
    if (Buffer.byteLength(name) > MAX_NAME_BYTES)
      problems.push(`the output schema's field "${name}" is longer than PostgreSQL's 63-byte column names`);
    if (seen.has(name)) problems.push(`two fields of the output schema would both be column "${name}"`);
    seen.add(name);
  }
  return problems;
}

/** A column of an existing table, as the catalog describes it. */
export interface CatalogColumn {
  name: string;
  /** format_type's text: `character varying(20)`, `numeric(10,2)`, `text[]`. */
  type: string;
  notNull: boolean;
  hasDefault: boolean;
}

export interface TableFit {
  /** Columns the table lacks: added (nullable) before the first write. */
  missing: SinkColumn[];
  /** Why the table cannot take the results; empty when it can. */
  problems: string[];
}

/** A type without its modifiers (`character varying(20)` -> `character varying`); arrays stay arrays. */
const baseType = (type: string) => type.replace(/\(\d+(,\d+)?\)/g, '').trim();

/** Whether an existing table, its columns and its primary key, can take the upsert of these columns. */
export function tableFit(columns: SinkColumn[], existing: CatalogColumn[], primaryKey: string[]): TableFit {
  const problems: string[] = [];
  const byName = new Map(existing.map((c) => [c.name, c]));
  const id = byName.get('id');
  if (!id) problems.push('it has no "id" column (text, the primary key)');
  else if (!TEXT.includes(baseType(id.type))) problems.push(`column "id" is ${id.type}, not text`);
  // `on conflict (id)` needs a unique index on id alone: the primary key says it is the row's identity.
  if (primaryKey.length !== 1 || primaryKey[0] !== 'id')
    problems.push(
      primaryKey.length
        ? `its primary key is (${primaryKey.join(', ')}), not (id)`
        : 'it has no primary key; the sink needs "id" as its primary key',
    );
  const missing: SinkColumn[] = [];
  for (const column of columns) {
    const found = byName.get(column.name);
    if (!found) {
      if (column.name !== 'id') missing.push(column);
      continue;
    }
    if (column.name !== 'id' && !column.accepts.includes(baseType(found.type)))
      problems.push(
        `column "${column.name}" is ${found.type}, which cannot take ${column.holds} (${column.accepts.join(' or ')})`,
      );
  }
  const ours = new Set(columns.map((c) => c.name));
  for (const other of existing)
    if (!ours.has(other.name) && other.notNull && !other.hasDefault)
      problems.push(`column "${other.name}" is NOT NULL without a default, and the sink does not write it`);
  return { missing, problems };
}

/** An identifier quoted for SQL. */
export const quoteName = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** `schema.table` or `table` (already plain identifiers, lower-cased by the spec loader) quoted for SQL. */
export const quoteTable = (table: string) => table.split('.').map(quoteName).join('.');
