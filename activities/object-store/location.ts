// A file's place under an output folder that may be a local path or an s3:// / gs:// prefix
// (path.join would turn `s3://b/p` into `s3:/b/p`), and the few things the CLI does with such a
// file (dlq, report): whether it is there, read it, write it, remove it.
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isObjectUrl } from '../../common/input-format';
import { keyUnder } from '../../common/object-url';
import { objectAt } from './index';

export function joinLocation(dir: string, ...parts: string[]): string {
  if (!isObjectUrl(dir)) return join(dir, ...parts);
  const bucket = /^(s3|gs):\/\/[^/]+/.exec(dir)![0];
  const key = keyUnder(dir.slice(bucket.length), ...parts);
  return key ? `${bucket}/${key}` : bucket;
}

/** Whether a file is there: a local path, or an object under an s3:// / gs:// URL. */
export async function locationExists(location: string): Promise<boolean> {
  if (!isObjectUrl(location)) return existsSync(location);
  const at = objectAt(location);
  return (await at.store.stat(at.bucket, at.key)) !== undefined;
}

/** A file's bytes as they arrive, wherever it is. */
export function locationStream(location: string): AsyncIterable<Buffer> {
  if (!isObjectUrl(location)) return createReadStream(location) as AsyncIterable<Buffer>;
  const at = objectAt(location);
  return at.store.stream(at.bucket, at.key);
}

/** A small file's text (a report, dead letters a person lists), wherever it is. */
export async function readLocationText(location: string): Promise<string> {
  if (!isObjectUrl(location)) return readFileSync(location, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of locationStream(location)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes a small file (a replay's input), creating its local folder when it is local. */
export async function writeLocationText(location: string, text: string): Promise<void> {
  if (!isObjectUrl(location)) {
    mkdirSync(dirname(location), { recursive: true });
    writeFileSync(location, text);
    return;
  }
  const at = objectAt(location);
  await at.store.put(at.bucket, at.key, text);
}

export async function removeLocation(location: string): Promise<void> {
  if (!isObjectUrl(location)) return rmSync(location, { force: true });
  const at = objectAt(location);
  await at.store.remove(at.bucket, at.key);
}
