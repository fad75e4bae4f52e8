// Streams a dataset line by line (JSONL, gzipped JSONL, CSV with a header, or Parquet rows; one
// file or a glob of shards read in order), never holding it in memory.
// A line that is not a usable object becomes an error entry, not an exception; only a file that
// cannot be read at all (a CSV without a usable header, a file that is not Parquet, a truncated
// gzip) stops the plan, and never by retrying: the plan runs before anything is submitted.
import { closeSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ApplicationFailure } from '@temporalio/common';
import { hasGlob, type InputFormat } from '../../common/input-format';
import { parquetRows } from './parquet';
import { badInput, listShards, type Shard } from './shards';

export type DatasetEntry =
  /** `at`: `file:row` of a shard's or a Parquet file's record, for the reason should the plan reject it. */
  | { line: number; record: Record<string, unknown>; at?: string }
  /** `fields`: what a rejected CSV row's columns held as far as they could be read (its id, for the report). */
  | { line: number; error: string; fields?: Record<string, unknown> };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits a file into lines as bytes (LF), so that each line's encoding can be checked: readline
 * would quietly turn invalid UTF-8 into replacement characters and send them on. The CR of a CRLF
 * stays on the line: a CSV field may hold a CRLF inside quotes. (JSONL splits a page at a time.)
 */
async function* byteLines(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let carry: Buffer[] = [];
  for await (const chunk of source) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      yield carry.length ? Buffer.concat([...carry, piece]) : piece;
      carry = [];
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

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const tooBig = (bytes: number, max: number) =>
  `line is ${mb(bytes)}, over the ${mb(max)} per item (limits.maxItemBytes)`;
const notUtf8 = (bytes: Buffer) =>
  `invalid UTF-8 near byte ${firstInvalidByte(bytes)} of the line; re-export the file as UTF-8`;

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The checks every line gets, JSONL or CSV: its size, its encoding, not blank. */
function lineText(bytes: Buffer, maxLineBytes: number): { text: string } | { error: string } {
  if (bytes.length > maxLineBytes) return { error: tooBig(bytes.length, maxLineBytes) };
  const text = decodeUtf8(bytes);
  if (text === undefined) return { error: notUtf8(bytes) };
  if (!text.trim()) return { error: 'empty line' };
  return { text };
}

/** One JSONL line's entry: the line checks, then JSON that must be an object. */
function jsonlEntry(line: number, bytes: Buffer, maxLineBytes: number): DatasetEntry {
  const checked = lineText(bytes, maxLineBytes);
  if ('error' in checked) return { line, error: checked.error };
  let value: unknown;
  try {
    value = JSON.parse(checked.text);
  } catch (error) {
    return { line, error: `invalid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { line, error: 'expected a JSON object' };
  return { line, record: value as Record<string, unknown> };
}

const withoutCr = (line: Buffer) => (line.length && line[line.length - 1] === 13 ? line.subarray(0, -1) : line);

/**
 * JSONL a read at a time: the lines each chunk of the file completes, as one page. A page, not a
 * line, per await: with Temporal's async hooks on, a promise per line costed more than the JSON
 * parse of a short line.
 */
async function* readJsonl(source: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<DatasetEntry[]> {
  let line = 0;
  let carry: Buffer[] = [];
  for await (const chunk of source) {
    const page: DatasetEntry[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      const bytes = carry.length ? Buffer.concat([...carry, piece]) : piece;
      carry = [];
      page.push(jsonlEntry(++line, withoutCr(bytes), maxLineBytes));
      start = nl + 1;
    }
    if (start < chunk.length) carry.push(chunk.subarray(start));
    if (page.length) yield page;
  }
  if (carry.length) yield [jsonlEntry(++line, withoutCr(Buffer.concat(carry)), maxLineBytes)];
}

// ---------------------------------------------------------------------------------------------
// CSV
//
// Why not csv-parse's stream: with `skip_records_with_error` it reports a bad quote through
// `on_skip` and carries on, but it carries on INSIDE the quote it was reading: every following
// line is swallowed into the skipped record until some later quote happens to close it, and those
// lines are lost without a word. `relax_column_count` kept ragged rows and silently dropped their
// extra fields. Without those options, the first bad quote throws and the plan stops.
//
// So rows are read here, strictly by RFC 4180 (comma, double quote, "" inside quotes, LF or CRLF,
// the same rules csv-parse applies by default), one physical line at a time, which is what lets
// every line be answered for:
// - A row that fits on its line is parsed or rejected on its own: a bad quote or a wrong field
//   count rejects that line only, and reading goes on with the next line.
// - A quoted field may run over several lines (a legitimate multi-line value). Such a row is
//   accepted only when it closes into a well-formed row with the header's field count, within
//   limits.maxItemBytes; it is ONE dataset entry, as a spreadsheet shows it as one row (numbered by
//   its last line, as before).
// - Otherwise the quote was most likely a stray one on the row's first line (`5,"oops` or an inch
//   mark), and taking the following lines into it would silently eat them. So only that first line
//   is rejected, saying so, and the lines after it are read again as rows of their own. An
//   unclosed quote that would swallow the rest of the file therefore costs exactly its own line;
//   the look-ahead stops at the end of the file or at limits.maxItemBytes, so it never hangs and
//   never holds more than one item's worth of lines. The one case this cannot tell apart: a stray
//   quote that a later stray quote closes into a well-formed row with the right field count. That
//   is indistinguishable from a real multi-line field, so it is kept as one row (its text, lines
//   included, goes to the model; nothing is dropped).
// Every physical line thus ends up in exactly one entry: a record, or a rejection with its number.

const QUOTE = 34;
const COMMA = 44;

/** A problem found while reading a row's fields; `column` is the 0-based field index. */
interface CsvFault {
  kind: 'closing' | 'stray';
  column: number;
  got?: string;
}

type FeedResult = 'done' | 'open' | CsvFault;

/** One CSV row, fed one physical line at a time (a quoted field may continue on the next line). */
class CsvRow {
  readonly fields: string[] = [];
  /** Field index where the quote that is still open began. */
  openColumn = 0;
  private field = '';
  private state: 'start' | 'plain' | 'quoted' | 'afterQuote' = 'start';

  /** Feeds a line without its LF (a trailing CR is the line end unless a quoted field is open). */
  feed(line: string): FeedResult {
    const cr = line.endsWith('\r');
    const text = cr ? line.slice(0, -1) : line;
    let i = 0;
    while (i < text.length) {
      switch (this.state) {
        case 'start':
          if (text.charCodeAt(i) === QUOTE) {
            this.state = 'quoted';
            this.openColumn = this.fields.length;
            i++;
          } else this.state = 'plain';
          break;
        case 'plain': {
          const comma = text.indexOf(',', i);
          const end = comma === -1 ? text.length : comma;
          const quote = text.indexOf('"', i);
          if (quote !== -1 && quote < end) return { kind: 'stray', column: this.fields.length };
          this.field += text.slice(i, end);
          i = end;
          if (comma !== -1) {
            this.endField();
            i++;
          }
          break;
        }
        case 'quoted': {
          const quote = text.indexOf('"', i);
          if (quote === -1) {
            this.field += text.slice(i);
            i = text.length;
          } else {
            this.field += text.slice(i, quote);
            this.state = 'afterQuote';
            i = quote + 1;
          }
          break;
        }
        case 'afterQuote': {
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            this.field += '"';
            this.state = 'quoted';
          } else if (c === COMMA) this.endField();
          else return { kind: 'closing', column: this.fields.length, got: text[i] };
          i++;
          break;
        }
      }
    }
    if (this.state === 'quoted') {
      this.field += cr ? '\r\n' : '\n';
      return 'open';
    }
    this.endField();
    return 'done';
  }

  private endField() {
    this.fields.push(this.field);
    this.field = '';
    this.state = 'start';
  }
}

/** Splits a line that has no quote at all: the common case, without the state machine. */
function plainFields(line: string): string[] {
  return (line.endsWith('\r') ? line.slice(0, -1) : line).split(',');
}

function columnName(columns: string[], index: number): string {
  const name = columns[index];
  return name ? `column ${JSON.stringify(name)}` : `column ${index + 1}`;
}

function describeFault(fault: CsvFault, columns: string[]): string {
  const where = columnName(columns, fault.column);
  return fault.kind === 'closing'
    ? `CSV: invalid closing quote in ${where}: "${fault.got}" follows the closing quote where a comma or the end ` +
        'of the row should be (write "" for a quote inside a quoted field)'
    : `CSV: invalid quote in ${where}: a field that holds a quote must be quoted as a whole, ` +
        'with the quote doubled ("say ""hi""")';
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The header: line 1. Its problems stop the run, since no row can be read without it. */
function headerOf(bytes: Buffer): { columns: string[] } | { problem: string } {
  const at = 'CSV header (line 1)';
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const text = decodeUtf8(body);
  if (text === undefined) return { problem: `${at} is not valid UTF-8; re-export the file as UTF-8` };
  if (!text.trim()) return { problem: `${at} is empty: the first line must name the columns` };
  const row = new CsvRow();
  const fed = row.feed(text);
  if (fed === 'open') return { problem: `${at} opens a quote that it does not close` };
  if (fed !== 'done') return { problem: `${at}: ${describeFault(fed, []).replace(/^CSV: /, '')}` };
  const columns = row.fields;
  if (columns.some((name) => name.includes('\r'))) {
    return { problem: `${at} holds a carriage return: save the file with LF or CRLF line ends` };
  }
  if (columns.every((name) => name === '')) return { problem: `${at} names no columns` };
  const seen = new Map<string, number>();
  for (const [index, name] of columns.entries()) {
    if (name === '') continue; // an unnamed column (a trailing comma) is read and left out of the record
    const first = seen.get(name);
    if (first !== undefined) {
      return { problem: `${at} names column ${JSON.stringify(name)} twice (columns ${first + 1} and ${index + 1})` };
    }
    seen.set(name, index);
  }
  return { columns };
}

/**
 * The columns of a CSV file, or the reason its header is unusable: what the spec loader checks
 * before a run starts (the plan activity checks again on the worker).
 */
export function readCsvHeader(path: string, maxBytes = 1024 * 1024): { columns: string[] } | { problem: string } {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const read = readSync(fd, chunk, 0, chunk.length, total);
      if (read === 0) break;
      const nl = chunk.subarray(0, read).indexOf(10);
      chunks.push(chunk.subarray(0, nl === -1 ? read : nl));
      total += read;
      if (nl !== -1) break;
      if (total > maxBytes) return { problem: `CSV header (line 1) is over ${mb(maxBytes)} long` };
    }
    return headerOf(Buffer.concat(chunks));
  } finally {
    closeSync(fd);
  }
}

/**
 * The columns of a CSV shard read from its stream (an object in a bucket, where a file cannot be
 * opened): only the first line is read, and the stream is closed there.
 */
export async function readShardCsvHeader(
  shard: Shard,
  maxBytes = 1024 * 1024,
): Promise<{ columns: string[] } | { problem: string }> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of shard.stream()) {
    const nl = chunk.indexOf(10);
    chunks.push(nl === -1 ? chunk : chunk.subarray(0, nl));
    total += nl === -1 ? chunk.length : nl;
    if (nl !== -1) break;
    if (total > maxBytes) return { problem: `CSV header (line 1) is over ${mb(maxBytes)} long` };
  }
  return headerOf(Buffer.concat(chunks));
}

interface PhysicalLine {
  line: number;
  bytes: Buffer;
}

/** The file's lines with their numbers, and a way to give back lines read ahead. */
class LineQueue {
  private readonly source: AsyncGenerator<Buffer>;
  private readonly held: PhysicalLine[] = []; // a stack: the next line to read is last
  private count = 0;
  constructor(source: AsyncIterable<Buffer>) {
    this.source = byteLines(source);
  }
  async next(): Promise<PhysicalLine | undefined> {
    const held = this.held.pop();
    if (held) return held;
    const read = await this.source.next();
    if (read.done) return undefined;
    return { line: ++this.count, bytes: read.value };
  }
  unread(lines: PhysicalLine[]) {
    for (let i = lines.length - 1; i >= 0; i--) this.held.push(lines[i]);
  }
}

function toRecord(columns: string[], fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  // defineProperty: a column named "__proto__" is a plain field, not the record's prototype.
  // A short (rejected) row holds only the columns it has.
  for (const [index, name] of columns.entries()) {
    if (name !== '' && index < fields.length)
      Object.defineProperty(record, name, {
        value: fields[index],
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return record;
}

const rowSizeProblem = (fields: number, columns: number) =>
  `row has ${plural(fields, 'field')}, the header has ${columns}`;

/** A row read whole: a record when its field count is the header's, else a rejection with what it held. */
function rowEntry(line: number, columns: string[], fields: string[]): DatasetEntry {
  return fields.length === columns.length
    ? { line, record: toRecord(columns, fields) }
    : { line, error: rowSizeProblem(fields.length, columns.length), fields: toRecord(columns, fields) };
}

/**
 * The entry of a row that fits on its line, read or rejected on its own; or, when a quoted field
 * runs on past the line, the row left open.
 */
function oneLineEntry({ line, bytes }: PhysicalLine, columns: string[], maxLineBytes: number): DatasetEntry | CsvRow {
  const checked = lineText(bytes, maxLineBytes);
  if ('error' in checked) return { line, error: checked.error };
  const { text } = checked;
  if (!text.includes('"')) return rowEntry(line, columns, plainFields(text));
  const row = new CsvRow();
  const fed = row.feed(text);
  if (fed === 'open') return row;
  if (fed !== 'done') return { line, error: describeFault(fed, columns), fields: toRecord(columns, row.fields) };
  return rowEntry(line, columns, row.fields);
}

/**
 * Feeds `row` the lines after its first until its open quote closes. The lines read are kept so
 * they can be read again; `failure` says why the row does not close, when it does not.
 */
async function readAhead(
  lines: LineQueue,
  row: CsvRow,
  firstLineBytes: number,
  maxRowBytes: number,
): Promise<{ ahead: PhysicalLine[]; failure?: string }> {
  const ahead: PhysicalLine[] = [];
  let size = firstLineBytes;
  for (let fed: FeedResult = 'open'; fed === 'open';) {
    const next = await lines.next();
    if (!next) return { ahead, failure: 'the file ends before it closes' };
    ahead.push(next);
    size += next.bytes.length + 1;
    if (size > maxRowBytes)
      return { ahead, failure: `it is still open after ${mb(maxRowBytes)} (limits.maxItemBytes)` };
    const more = decodeUtf8(next.bytes);
    if (more === undefined) return { ahead, failure: `line ${next.line} is not valid UTF-8` };
    fed = row.feed(more);
    if (fed !== 'open' && fed !== 'done') {
      const what = fed.kind === 'closing' ? 'an invalid closing quote' : 'a quote inside an unquoted field';
      return { ahead, failure: `line ${next.line} has ${what}` };
    }
  }
  return { ahead };
}

/**
 * A row whose quoted field runs on past its first line: one entry, numbered by its last line, when
 * it closes into a well-formed row; otherwise only its first line is rejected, and the lines read
 * ahead are given back to be read as rows of their own.
 */
async function multiLineEntry(
  start: PhysicalLine,
  row: CsvRow,
  columns: string[],
  lines: LineQueue,
  maxRowBytes: number,
): Promise<DatasetEntry> {
  const openedIn = row.openColumn;
  const { ahead, failure: unclosed } = await readAhead(lines, row, start.bytes.length, maxRowBytes);
  const failure =
    unclosed ??
    (row.fields.length !== columns.length
      ? `the row it starts would have ${plural(row.fields.length, 'field')}, the header has ${columns.length}`
      : undefined);
  if (!failure) return { line: ahead[ahead.length - 1].line, record: toRecord(columns, row.fields) };
  lines.unread(ahead);
  return {
    line: start.line,
    error: `CSV: unclosed quote in ${columnName(columns, openedIn)}: ${failure}; the lines after it are read as rows of their own`,
    // Only the fields before the open quote: the rest were read from the lines after it.
    fields: toRecord(columns, row.fields.slice(0, openedIn)),
  };
}

async function* readCsv(
  path: string,
  source: AsyncIterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<DatasetEntry> {
  // Without a configured limit, still bound how far an unclosed quote may look ahead.
  const maxRowBytes = Number.isFinite(maxLineBytes) ? maxLineBytes : 64 * 1024 * 1024;
  const lines = new LineQueue(source);
  const first = await lines.next();
  if (!first) return;
  const header = headerOf(first.bytes);
  if ('problem' in header) throw ApplicationFailure.nonRetryable(`${path}: ${header.problem}`, 'BadDataset');
  const { columns } = header;
  for (let start = await lines.next(); start; start = await lines.next()) {
    const entry = oneLineEntry(start, columns, maxLineBytes);
    yield entry instanceof CsvRow ? await multiLineEntry(start, entry, columns, lines, maxRowBytes) : entry;
  }
}

/** A gzipped file's bytes, unzipped as they stream; a truncated or non-gzip file is bad input. */
async function* gunzipped(shard: Shard): AsyncGenerator<Buffer> {
  try {
    yield* Readable.from(shard.stream()).pipe(createGunzip()) as AsyncIterable<Buffer>;
  } catch (error) {
    throw badInput(`input: ${shard.location} is not a complete gzip file (${(error as Error).message})`);
  }
}

/** A Parquet row is checked as a JSONL line is: its size as JSON, then on to the template. */
async function* readParquet(shard: Shard, maxItemBytes: number): AsyncGenerator<DatasetEntry> {
  for await (const { row, record } of parquetRows(shard)) {
    const bytes = Number.isFinite(maxItemBytes) ? Buffer.byteLength(JSON.stringify(record)) : 0;
    yield bytes > maxItemBytes ? { line: row, error: tooBig(bytes, maxItemBytes) } : { line: row, record };
  }
}

const PAGE = 1000;

/** Entries read one at a time (CSV rows may span lines; Parquet rows come by row group), in pages. */
async function* paged(entries: AsyncIterable<DatasetEntry>): AsyncGenerator<DatasetEntry[]> {
  let page: DatasetEntry[] = [];
  for await (const entry of entries) {
    page.push(entry);
    if (page.length >= PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

function readShard(shard: Shard, format: InputFormat, maxLineBytes: number): AsyncGenerator<DatasetEntry[]> {
  switch (format) {
    case 'csv':
      return paged(readCsv(shard.location, shard.stream(), maxLineBytes));
    case 'parquet':
      return paged(readParquet(shard, maxLineBytes));
    case 'jsonl.gz':
      return readJsonl(gunzipped(shard), maxLineBytes);
    case 'jsonl':
      return readJsonl(shard.stream(), maxLineBytes);
  }
}

/** An entry of one shard among several (or of a Parquet file): numbered on, its reason saying `file:row`. */
function locatedEntry(entry: DatasetEntry, offset: number, shard: Shard): DatasetEntry {
  const at = `${shard.label}:${entry.line}`;
  return 'error' in entry
    ? { line: offset + entry.line, error: `${at}: ${entry.error}`, ...(entry.fields ? { fields: entry.fields } : {}) }
    : { line: offset + entry.line, record: entry.record, at };
}

/**
 * Every entry of the input, shard after shard, a page at a time (a page never spans two shards).
 * `line` stays one increasing number over the whole input (the store orders and keys items by
 * it); for shards and Parquet, where a line number alone would not find the row, a rejection's
 * reason starts with `file:row`.
 */
export async function* readDatasetPages(
  input: string,
  format: InputFormat,
  maxLineBytes = Infinity,
): AsyncGenerator<DatasetEntry[]> {
  const shards = await listShards(input);
  const located = shards.length > 1 || hasGlob(input) || format === 'parquet';
  let offset = 0;
  for (const shard of shards) {
    let last = 0;
    for await (const page of readShard(shard, format, maxLineBytes)) {
      last = page[page.length - 1].line;
      if (!located) yield page;
      else yield page.map((entry) => locatedEntry(entry, offset, shard));
    }
    offset += last;
  }
}

/** Every entry of the input, one at a time: readDatasetPages for callers that want no pages. */
export async function* readDataset(
  input: string,
  format: InputFormat,
  maxLineBytes = Infinity,
): AsyncGenerator<DatasetEntry> {
  for await (const page of readDatasetPages(input, format, maxLineBytes)) yield* page;
}
