// s3:// and gs:// URLs, the way a spec names an input (one object or a glob of shards) or an
// output.dir (a prefix). Pure, so the spec loader, the activities and the workflow-facing checks
// agree on what a URL means without loading an SDK.
import { hasGlob } from './input-format';

export type ObjectScheme = 's3' | 'gs';

export interface ObjectUrl {
  scheme: ObjectScheme;
  bucket: string;
  /** The object's key, or the prefix: no leading slash; '' for the bucket's root. */
  key: string;
}

/**
 * Bucket names as both services allow them (lower case, digits, dots, dashes, underscores on GCS):
 * checked here so that a typo such as `s3:/bucket` or `s3://My Bucket` is one clear line up front
 * rather than an SDK error about a host name.
 */
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** Why `url` is not a usable s3:// or gs:// URL, or undefined when it is one. */
export function objectUrlProblem(url: string): string | undefined {
  const match = /^(s3|gs):\/\/([^/]*)(?:\/(.*))?$/.exec(url);
  if (!match) return 'expected s3://bucket/key or gs://bucket/key';
  const [, , bucket, key = ''] = match;
  if (!bucket) return 'names no bucket (expected s3://bucket/key or gs://bucket/key)';
  if (!BUCKET.test(bucket))
    return `bucket "${bucket}" is not a bucket name (3-222 of a-z 0-9 . - _, starting and ending with a letter or digit)`;
  if (key.startsWith('/')) return 'has "//" after the bucket: keys do not start with a slash';
  return undefined;
}

export function parseObjectUrl(url: string): ObjectUrl {
  const problem = objectUrlProblem(url);
  if (problem) throw new Error(`${url}: ${problem}`);
  const match = /^(s3|gs):\/\/([^/]+)(?:\/(.*))?$/.exec(url)!;
  return { scheme: match[1] as ObjectScheme, bucket: match[2], key: match[3] ?? '' };
}

/** The URL of `key` in the bucket of `base`. */
export function objectUrlOf(base: Pick<ObjectUrl, 'scheme' | 'bucket'>, key: string): string {
  return `${base.scheme}://${base.bucket}/${key}`;
}

/** `prefix/part/...` with no doubled or leading slashes: how an output file's key is named under output.dir. */
export function keyUnder(prefix: string, ...parts: string[]): string {
  return [prefix, ...parts]
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter((p) => p !== '')
    .join('/');
}

/**
 * How a glob of shards is listed: the literal part of the key before the first segment with a
 * wildcard (the prefix a listing starts at, ending in '/' unless empty), and the pattern each
 * listed key must match as a whole. `parts/part-*.parquet` -> prefix `parts/`, pattern as given.
 */
export function globListing(key: string): { prefix: string; base: string; pattern: string } {
  const segments = key.split('/');
  const first = segments.findIndex((s) => hasGlob(s));
  const base = first === -1 ? key : segments.slice(0, first).join('/');
  return { prefix: base ? `${base}/` : '', base, pattern: key };
}
