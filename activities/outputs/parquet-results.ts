// results.parquet (output.format: parquet), written with hyparquet-writer one row group at a time,
// so memory holds a row group, not the run. Columns: the id, the answer's top-level fields as typed
// columns from the output schema (string, integer, number, boolean; anything else as JSON text), or
// `output` (the answer's text) without a schema, then the model, provider and strike that answered.
// hyparquet-writer was chosen over parquet-wasm + apache-arrow: pure JS from the same maintainers
// as the reader, no WebAssembly blob, and a streaming writer (ParquetWriter) with typed columns.
import { renameSync } from 'node:fs';
import type { FinalItem } from '../../store';
import type { JsonSchema } from '../../common';

type ColumnType = 'STRING' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'INT32' | 'JSON';

interface Column {
  name: string;
  type: ColumnType;
  value(item: FinalItem, parsed: Record<string, unknown> | undefined): unknown;
}

const ROW_GROUP = 10_000;

function typeOfProperty(schema: unknown): ColumnType {
  const type = (schema as { type?: unknown } | undefined)?.type;
  if (type === 'string') return 'STRING';
  if (type === 'integer') return 'INT64';
  if (type === 'number') return 'DOUBLE';
  if (type === 'boolean') return 'BOOLEAN';
  return 'JSON';
}

/** A value as its column's type takes it; anything that does not fit is null, never a wrong type. */
function fit(type: ColumnType, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'STRING':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'INT64':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : null;
    case 'DOUBLE':
      return typeof value === 'number' ? value : null;
    case 'BOOLEAN':
      return typeof value === 'boolean' ? value : null;
    default:
      return value;
  }
}

const FIXED = new Set(['id', 'model', 'provider', 'strike']);

/** The answer's columns: the schema's top-level properties, or the answer's text. */
export function answerColumns(schema: JsonSchema | undefined): Column[] {
  const properties = schema?.properties as Record<string, unknown> | undefined;
  if (!properties || schema?.type !== 'object')
    return [{ name: 'output', type: 'STRING', value: (i) => i.result!.output }];
  return Object.entries(properties).map(([field, property]) => {
    const type = typeOfProperty(property);
    // A field named like a fixed column keeps its value under answer_<name>.
    return {
      name: FIXED.has(field) ? `answer_${field}` : field,
      type,
      value: (_i, parsed) => fit(type, parsed?.[field]),
    };
  });
}

export class ParquetResults {
  lines = 0;
  private readonly columns: Column[];
  private rows: unknown[][];
  private writer?: { write(o: { columnData: unknown[] }): void | Promise<void>; finish(): void | Promise<void> };
  constructor(
    readonly path: string,
    schema: JsonSchema | undefined,
  ) {
    this.columns = [
      { name: 'id', type: 'STRING', value: (i) => i.itemId ?? String(i.line) },
      ...answerColumns(schema),
      { name: 'model', type: 'STRING', value: (i) => i.result!.model },
      { name: 'provider', type: 'STRING', value: (i) => i.result!.provider },
      { name: 'strike', type: 'INT32', value: (i) => i.result!.strike },
    ];
    this.rows = this.columns.map(() => []);
  }

  async add(item: FinalItem) {
    let parsed: Record<string, unknown> | undefined;
    if (item.result!.json) {
      const value: unknown = JSON.parse(item.result!.output);
      if (value && typeof value === 'object' && !Array.isArray(value)) parsed = value as Record<string, unknown>;
    }
    this.columns.forEach((c, n) => this.rows[n].push(c.value(item, parsed)));
    this.lines++;
    if (this.rows[0].length >= ROW_GROUP) await this.flush();
  }

  private columnData() {
    return this.columns.map((c, n) => ({ name: c.name, type: c.type, nullable: c.name !== 'id', data: this.rows[n] }));
  }

  private async flush() {
    const columnData = this.columnData();
    if (!this.writer) {
      const { ParquetWriter, fileWriter, schemaFromColumnData } = await import('hyparquet-writer');
      const schema = schemaFromColumnData({ columnData: columnData });
      this.writer = new ParquetWriter({ writer: fileWriter(`${this.path}.partial`), schema });
    }
    if (columnData[0].data.length > 0) await this.writer.write({ columnData });
    this.rows = this.columns.map(() => []);
  }

  async close() {
    await this.flush();
    await this.writer!.finish();
    renameSync(`${this.path}.partial`, this.path);
  }
}
