// Streams a dataset line by line (JSONL or CSV with a header), never holding it in memory.
// A line that is not a usable object becomes an error entry, not an exception.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';

export type DatasetEntry = { line: number; record: Record<string, unknown> } | { line: number; error: string };

async function* readJsonl(path: string): AsyncGenerator<DatasetEntry> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
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

export function readDataset(path: string, format: 'jsonl' | 'csv'): AsyncGenerator<DatasetEntry> {
  return format === 'csv' ? readCsv(path) : readJsonl(path);
}
