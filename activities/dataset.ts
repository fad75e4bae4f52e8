// Streams a dataset line by line (JSONL or CSV with a header), never holding it in memory.
// A line that is not a usable object becomes an error entry, not an exception.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

export type DatasetEntry = { line: number; record: Record<string, unknown> } | { line: number; error: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits a file into lines as bytes (LF or CRLF), so that each line's encoding can be checked:
 * readline would quietly turn invalid UTF-8 into replacement characters and send them on.
 */
async function* byteLines(path: string): AsyncGenerator<Buffer> {
  let carry: Buffer[] = [];
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      const line = carry.length ? Buffer.concat([...carry, piece]) : piece;
      carry = [];
      yield line.length && line[line.length - 1] === 13 ? line.subarray(0, line.length - 1) : line;
      start = nl + 1;
    }
    if (start < chunk.length) carry.push(chunk.subarray(start));
  }
  if (carry.length) yield Buffer.concat(carry);
}

const lenient = new TextDecoder('utf-8');

/** Byte offset (1-based) of the first byte that is not UTF-8: where the replacement character lands. */
function firstInvalidByte(bytes: Buffer): number {
  const text = lenient.decode(bytes);
  const at = text.indexOf('\uFFFD');
  return Buffer.byteLength(text.slice(0, Math.max(0, at))) + 1;
}

async function* readJsonl(path: string, maxLineBytes: number): AsyncGenerator<DatasetEntry> {
  let line = 0;
  for await (const bytes of byteLines(path)) {
    line++;
    if (bytes.length > maxLineBytes) {
      const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
      yield { line, error: `line is ${mb(bytes.length)}, over the ${mb(maxLineBytes)} per item (limits.maxItemBytes)` };
      continue;
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      yield {
        line,
        error: `invalid UTF-8 near byte ${firstInvalidByte(bytes)} of the line; re-export the file as UTF-8`,
      };
      continue;
    }
    if (!text.trim()) {
      yield { line, error: 'empty line' };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { line, error: `invalid JSON: ${(error as Error).message}` };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, error: 'expected a JSON object' };
      continue;
    }
    yield { line, record: value as Record<string, unknown> };
  }
}

async function* readCsv(path: string): AsyncGenerator<DatasetEntry> {
  // Line numbers are the file's own (the header is line 1), so a user can find the row in an editor.
  const parser = createReadStream(path).pipe(
    parse({ columns: true, bom: true, info: true, skip_empty_lines: true, relax_column_count: true }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    yield { line: info.lines, record };
  }
}

export function readDataset(
  path: string,
  format: 'jsonl' | 'csv',
  maxLineBytes = Infinity,
): AsyncGenerator<DatasetEntry> {
  return format === 'csv' ? readCsv(path) : readJsonl(path, maxLineBytes);
}
