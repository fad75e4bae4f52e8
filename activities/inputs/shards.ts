// The files an input names: one file, or a glob of shards read in name order as one dataset (on
// this machine here; s3:// and gs:// objects in object-shards.ts).
// Each shard gives its bytes as a stream (JSONL, gzipped JSONL, CSV) and as a random-access buffer
// (Parquet reads its footer first, then one row group at a time), never the whole file at once.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, relative } from 'node:path';
import { glob } from 'tinyglobby';
import { hasGlob, isObjectUrl } from '../../common/input-format';
import { globListing } from '../../common/object-url';
import { listObjectShards } from './object-shards';
import { badInput, type Shard } from './shard';

export { badInput, type ByteSource, type Shard } from './shard';

/** The part of a glob before its first wildcard segment: where the listing starts. */
export function globBase(pattern: string): string {
  return globListing(pattern).base;
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
  if (isObjectUrl(input)) return listObjectShards(input);
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
