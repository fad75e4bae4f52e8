// results.parquet (output.format: parquet), written with hyparquet-writer one row group at a time,
// so memory holds a row group, not the run. Columns: the id, the answer's top-level fields as typed
// columns from the output schema (string, integer, number, boolean; anything else as JSON text), or
// `output` (the answer's text) without a schema, then the model, provider and strike that answered.
// hyparquet-writer was chosen over parquet-wasm + apache-arrow: pure JS from the same maintainers
// as the reader, no WebAssembly blob, and a streaming writer (ParquetWriter) with typed columns.
import { renameSync } from 'node:fs';
import type { FinalItem } from '../../store';
import type { JsonSchema } from '../../common';
import { answerFields, fitValue, parsedObject, type FieldKind } from './answer-fields';

type ColumnType = 'STRING' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'INT32' | 'JSON';

interface Column {
  name: string;
  type: ColumnType;
  value(item: FinalItem, parsed: Record<string, unknown> | undefined): unknown;
}

const ROW_GROUP = 10_000;

const PARQUET_TYPES: Record<FieldKind, ColumnType> = {
  string: 'STRING',
  integer: 'INT64',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  json: 'JSON',
};

const FIXED = new Set(['id', 'model', 'provider', 'strike']);

/** The answer's columns: the schema's top-level properties, or the answer's text. */
export function answerColumns(schema: JsonSchema | undefined): Column[] {
  const fields = answerFields(schema, FIXED);
  if (!fields) return [{ name: 'output', type: 'STRING', value: (i) => i.result!.output }];
  return fields.map(({ name, field, kind }) => ({
    name,
    type: PARQUET_TYPES[kind],
    value: (_i, parsed) => fitValue(kind, parsed?.[field]),
  }));
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
    const parsed = parsedObject(item);
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
