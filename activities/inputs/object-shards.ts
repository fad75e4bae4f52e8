// The shards of an s3:// or gs:// input: one object, or a glob (`s3://b/parts/part-*.parquet`)
// listed from its literal prefix and matched with picomatch as a local glob is (`*` stays within
// one folder), read in key order as one dataset. Bytes are streamed (JSONL, CSV, gzip) or read by
// range (Parquet's footer and row groups): an object is never held whole in memory.
import { ApplicationFailure } from '@temporalio/common';
import picomatch from 'picomatch';
import { hasGlob } from '../../common/input-format';
import { globListing, objectUrlOf } from '../../common/object-url';
import { objectAt, StorageError, type ObjectInfo } from '../object-store';
import { badInput, type Shard } from './shard';

type Located = ReturnType<typeof objectAt>;

function objectShard(at: Located, info: ObjectInfo, label: string): Shard {
  const location = objectUrlOf(at, info.key);
  return {
    location,
    label,
    size: info.size,
    stream: () => at.store.stream(at.bucket, info.key),
    bytes: () =>
      Promise.resolve({
        byteLength: info.size,
        slice: (start: number, end = info.size) => at.store.range(at.bucket, info.key, start, end),
      }),
  };
}

/** The keys a glob matches, in key order; a "folder" placeholder (a key ending in /) is no shard. */
export function matchingObjects(objects: ObjectInfo[], pattern: string): ObjectInfo[] {
  const matches = picomatch(pattern);
  return objects.filter((o) => !o.key.endsWith('/') && matches(o.key));
}

/**
 * A storage failure as the plan and the client report it, naming the URL: a missing bucket or a
 * refusal is bad input (non-retryable: nothing was spent, and retrying will not create the bucket);
 * anything else (the service unreachable) is left to the retry policy.
 */
export function inputStorageFailure(input: string, error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof StorageError && error.permanent) return badInput(`input: ${input}: ${error.message}`);
  return new Error(`input: ${input}: ${(error as Error).message}`);
}

async function shardsAt(input: string, at: Located): Promise<Shard[]> {
  if (!hasGlob(at.key)) {
    if (at.key === '' || at.key.endsWith('/'))
      throw badInput(
        `input: ${input} names a folder, not an object (a glob such as ${input.replace(/\/?$/, '/*.jsonl')} reads every object in it)`,
      );
    const info = await at.store.stat(at.bucket, at.key);
    if (!info) throw badInput(`input: object not found: ${input}`);
    return [objectShard(at, info, at.key.slice(at.key.lastIndexOf('/') + 1))];
  }
  const { prefix, base, pattern } = globListing(at.key);
  const objects = matchingObjects(await at.store.list(at.bucket, prefix), pattern);
  if (objects.length === 0) throw badInput(`input: ${input} matches no object`);
  return objects.map((o) => objectShard(at, o, base ? o.key.slice(base.length + 1) : o.key));
}

export async function listObjectShards(input: string): Promise<Shard[]> {
  let at: Located;
  try {
    at = objectAt(input);
  } catch (error) {
    throw badInput(`input: ${(error as Error).message}`);
  }
  try {
    return await shardsAt(input, at);
  } catch (error) {
    throw inputStorageFailure(input, error);
  }
}
