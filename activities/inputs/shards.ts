// The files an input names: one file, or a glob of shards read in name order as one dataset.
// Each shard gives its bytes as a stream (JSONL, gzipped JSONL, CSV) and as a random-access buffer
// (Parquet reads its footer first, then one row group at a time), never the whole file at once.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, relative } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { glob } from 'tinyglobby';
import { hasGlob } from '../../common/input-format';

/** hyparquet's AsyncBuffer: a byte length and ranges read on demand. */
export interface ByteSource {
  byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

export interface Shard {
  /** Where it is: a path or an s3:// / gs:// URL. */
  location: string;
  /** What a rejection names before `:row`: the name below the glob's folder, or the file's name. */
  label: string;
  size: number;
  stream(): AsyncIterable<Buffer>;
  bytes(): Promise<ByteSource>;
}

/** The part of a glob before its first wildcard segment: where the listing starts. */
export function globBase(pattern: string): string {
  const segments = pattern.split('/');
  const first = segments.findIndex((s) => hasGlob(s));
  return first === -1 ? pattern : segments.slice(0, first).join('/');
}

export function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'BadDataset');
}

function localShard(path: string, label: string, size: number): Shard {
  return {
    location: path,
    label,
    size,
    stream: () => createReadStream(path) as AsyncIterable<Buffer>,
    bytes() {
      return Promise.resolve({
        byteLength: size,
        // A handle per range: a reader stopped half-way (a failed plan) leaves no file open.
        async slice(start: number, end = size) {
          const handle = await open(path, 'r');
          try {
            const buffer = Buffer.alloc(end - start);
            await handle.read(buffer, 0, end - start, start);
            return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length);
          } finally {
            await handle.close();
          }
        },
      });
    },
  };
}

/** The shards of `input` in the order they are read; a glob that matches nothing is bad input. */
export async function listShards(input: string): Promise<Shard[]> {
  if (!hasGlob(input)) {
    const info = await stat(input).catch(() => undefined);
    if (!info) throw badInput(`input: file not found: ${input}`);
    if (!info.isFile()) throw badInput(`input: not a file: ${input}`);
    return [localShard(input, basename(input), info.size)];
  }
  const base = globBase(input) || '.';
  const paths = (await glob(input, { absolute: true, onlyFiles: true })).sort();
  if (paths.length === 0) throw badInput(`input: ${input} matches no file`);
  return Promise.all(
    paths.map(async (path) => localShard(path, relative(base, path) || basename(path), (await stat(path)).size)),
  );
}
