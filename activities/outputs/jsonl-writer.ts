// dead-letter.jsonl and rejected.jsonl (and results.jsonl, jsonl-results.ts): written under a
// temporary name and renamed once closed, so a crash never leaves half a file.
import { createWriteStream, renameSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';

const FLUSH_CHARS = 256 * 1024;

/**
 * Waits for the first of two events, leaving no listener of the other behind: a file written with
 * back-pressure many times would pile them up (MaxListenersExceededWarning on large runs).
 */
async function firstOf(stream: WriteStream, a: string, b: string): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([once(stream, a, { signal: stop.signal }), once(stream, b, { signal: stop.signal })]);
  } finally {
    stop.abort();
  }
}

export class JsonlWriter {
  readonly stream: WriteStream;
  lines = 0;
  /** An open or write that failed: kept, and thrown at the next write, not left to crash the worker. */
  private failure?: Error;
  constructor(readonly path: string) {
    this.stream = createWriteStream(`${path}.partial`);
    this.stream.on('error', (error) => (this.failure ??= error));
  }
  /** Lines not yet handed to the stream: one stream write per line cost more than the lines. */
  private pending = '';
  async write(value: unknown) {
    return this.writeLine(JSON.stringify(value));
  }
  /** A line already in JSON. */
  async writeLine(json: string) {
    this.lines++;
    this.pending += json + '\n';
    if (this.pending.length >= FLUSH_CHARS) await this.flush();
  }
  private check() {
    if (this.failure) throw this.failure;
  }
  private async flush() {
    this.check();
    const piece = this.pending;
    this.pending = '';
    if (!this.stream.write(piece)) await firstOf(this.stream, 'drain', 'close');
    this.check();
  }
  async close() {
    await this.flush();
    this.stream.end();
    await firstOf(this.stream, 'finish', 'close');
    this.check();
    renameSync(`${this.path}.partial`, this.path);
  }
}
