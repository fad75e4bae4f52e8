// Parquet inputs for tests, written with hyparquet-writer (the same library that writes results.parquet).
import { writeFileSync } from 'node:fs';

/** Writes `rows` (string and number columns) as Parquet, `rowGroupSize` rows to a row group. */
export async function writeParquet(path: string, rows: Record<string, string | number>[], rowGroupSize = 1000) {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const names = Object.keys(rows[0]);
  const columnData = names.map((name) => ({
    name,
    data: rows.map((r) => r[name]),
    type: typeof rows[0][name] === 'number' ? ('INT64' as const) : ('STRING' as const),
  }));
  for (const c of columnData) if (c.type === 'INT64') c.data = c.data.map((v) => BigInt(v as number)) as never;
  writeFileSync(path, Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize })));
}
