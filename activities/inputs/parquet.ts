// Parquet rows, read one row group at a time with hyparquet (pure JS, reads only the ranges it
// needs: the footer, then each row group's column chunks), so memory holds one row group, not the
// file. hyparquet-compressors adds the codecs beyond snappy (gzip, zstd, brotli, lz4) that
// pyarrow, Spark and DuckDB write.
import type { Shard } from './shards';
import { badInput } from './shards';

/** ESM-only packages, loaded once from this CommonJS project. */
async function hyparquet() {
  const [reader, { compressors }] = await Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
  return { ...reader, compressors };
}

type Metadata = Awaited<ReturnType<Awaited<ReturnType<typeof hyparquet>>['parquetMetadataAsync']>>;

async function metadataOf(shard: Shard): Promise<{ metadata: Metadata; file: Awaited<ReturnType<Shard['bytes']>> }> {
  const { parquetMetadataAsync } = await hyparquet();
  const file = await shard.bytes();
  try {
    return { metadata: await parquetMetadataAsync(file), file };
  } catch (error) {
    throw badInput(`input: ${shard.location} is not a readable Parquet file (${(error as Error).message})`);
  }
}

/** The top-level column names: what the spec loader checks the template against. */
export async function parquetColumns(shard: Shard): Promise<string[]> {
  const { metadata } = await metadataOf(shard);
  const { parquetSchema } = await hyparquet();
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/**
 * A value as JSON can carry it: INT64 comes back as a BigInt (a number when it is exact), dates
 * and timestamps as Date (ISO text), raw BYTE_ARRAY without a string annotation as bytes (base64).
 */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/** The rows of one Parquet file, numbered from 1, in file order. */
export async function* parquetRows(shard: Shard): AsyncGenerator<{ row: number; record: Record<string, unknown> }> {
  const { metadata, file } = await metadataOf(shard);
  const { parquetReadObjects, compressors } = await hyparquet();
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors });
    } catch (error) {
      throw badInput(
        `input: ${shard.location}: rows ${rowStart + 1}-${rowEnd} cannot be read (${(error as Error).message})`,
      );
    }
    for (const [i, record] of rows.entries())
      yield { row: rowStart + i + 1, record: plain(record) as Record<string, unknown> };
    rowStart = rowEnd;
  }
}
