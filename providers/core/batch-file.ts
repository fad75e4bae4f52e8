// A batch's input file, written to disk as its requests come and uploaded from there: a chunk of
// 50,000 requests (40 MB of JSONL) is never held in memory whole, nor copied on its way to the
// upload (four chunks submitted at once made a 1M-item run's worker jump by 450 MB of buffers).
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Lines go to the file in pieces of about this many characters, not one write per line. */
const PIECE_CHARS = 256 * 1024;

async function* jsonl<T>(items: AsyncIterable<T>, toLine: (item: T) => string): AsyncGenerator<string> {
  // One stream write per line cost a 300k-item run more CPU than the lines themselves.
  let piece = '';
  for await (const item of items) {
    piece += toLine(item) + '\n';
    if (piece.length >= PIECE_CHARS) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}

/** Writes one line per item to a temporary file, hands the file to `upload`, and deletes it. */
export async function withBatchFile<T, R>(
  items: AsyncIterable<T>,
  toLine: (item: T) => string,
  upload: (contents: Blob) => Promise<R>,
): Promise<R> {
  const dir = await mkdtemp(join(tmpdir(), 'llmbatch-upload-'));
  try {
    const path = join(dir, 'batch.jsonl');
    await pipeline(Readable.from(jsonl(items, toLine)), createWriteStream(path));
    return await upload(await openAsBlob(path));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
