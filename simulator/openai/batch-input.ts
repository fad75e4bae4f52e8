// Validation of a batch input file, done when the batch leaves `validating` (as at OpenAI, a bad
// line fails the whole batch rather than being refused at upload). The rules are the ones a
// pipeline most often breaks: one JSON object per line, unique custom_id, POST to the batch's
// endpoint, a body, and one model per file.
//
// The file is read line by line straight from the chunks the upload arrived in: it is never joined
// into one buffer or one string, and each valid line is handed to a sink as soon as it is parsed,
// so the caller can answer it at once and let go of its parsed body.

import { embeddingParamProblem } from './embedding-params';

export interface BatchLine {
  customId: string;
  body: Record<string, unknown>;
}

export interface BatchLineError {
  code: string;
  line: number | null;
  message: string;
  param: string | null;
}

export type ValidatedInput = { ok: true; count: number; model: string } | { ok: false; errors: BatchLineError[] };

/** OpenAI's per-batch limits. */
export const MAX_BATCH_REQUESTS = 50_000;
export const MAX_BATCH_FILE_BYTES = 200 * 1024 * 1024;
/** Enough to show what is wrong without turning one bad file into a megabyte of batch object. */
const MAX_REPORTED_ERRORS = 1000;

/** Splits a file held as chunks into lines (without their `\n` or `\r\n`), decoding one line at a time. */
export class LineReader {
  private chunk = 0;
  private pos = 0;

  constructor(private readonly chunks: readonly Buffer[]) {}

  /** The next line, or undefined at the end of the file. */
  next(): string | undefined {
    const chunks = this.chunks;
    if (this.chunk >= chunks.length) return undefined;
    const first = chunks[this.chunk];
    const end = first.indexOf(10, this.pos);
    let line: string;
    if (end >= 0) {
      line = first.toString('utf8', this.pos, end);
      this.pos = end + 1;
      if (this.pos >= first.length) this.advance();
    } else {
      // A line spanning chunks: gather its pieces (rare: once per chunk boundary) and decode them together.
      const pieces = [first.subarray(this.pos)];
      this.advance();
      for (;;) {
        if (this.chunk >= chunks.length) break;
        const c = chunks[this.chunk];
        const at = c.indexOf(10, this.pos);
        if (at >= 0) {
          pieces.push(c.subarray(0, at));
          this.pos = at + 1;
          if (this.pos >= c.length) this.advance();
          break;
        }
        pieces.push(c);
        this.advance();
      }
      line = Buffer.concat(pieces).toString('utf8');
    }
    return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
  }

  private advance(): void {
    this.chunk += 1;
    this.pos = 0;
  }
}

/**
 * Parses a batch input file a slice at a time (`step`), so a 200 MB file is validated during the
 * batch's `validating` window without freezing the server; `result` runs it to the end.
 */
export class BatchInputParser {
  private readonly reader: LineReader;
  private readonly errors: BatchLineError[] = [];
  private readonly seen = new Set<string>();
  private model: string | undefined;
  private lineNo = 0;
  private count = 0;
  private outcome: ValidatedInput | undefined;

  /** `sink` gets each valid line in order with its 0-based index among the valid lines. */
  constructor(
    chunks: readonly Buffer[],
    bytes: number,
    private readonly endpoint: string,
    private readonly sink: (line: BatchLine, index: number) => void = () => {},
  ) {
    this.reader = new LineReader(chunks);
    if (bytes > MAX_BATCH_FILE_BYTES) {
      this.report('file_too_large', null, `The input file is ${bytes} bytes; the limit is ${MAX_BATCH_FILE_BYTES}.`);
      this.outcome = { ok: false, errors: this.errors };
    }
  }

  /** Lines handed to the sink so far. */
  get accepted(): number {
    return this.count;
  }

  /** Parses lines until `deadline` (a Date.now() value); true once the whole file is done. */
  step(deadline: number): boolean {
    if (this.outcome) return true;
    let n = 0;
    for (;;) {
      // Checking the clock every line would cost more than parsing short lines.
      if ((++n & 255) === 0 && Date.now() >= deadline) return false;
      const line = this.reader.next();
      if (line === undefined) break;
      this.lineNo += 1;
      if (line.length === 0 || isBlank(line)) continue;
      this.parseLine(line, this.lineNo);
    }
    this.outcome = this.conclude();
    return true;
  }

  result(): ValidatedInput {
    while (!this.step(Infinity));
    return this.outcome as ValidatedInput;
  }

  private report(code: string, line: number | null, message: string, param: string | null = null): void {
    if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push({ code, line, message, param });
  }

  private parseLine(raw: string, lineNo: number): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return this.report('invalid_json_line', lineNo, 'This line is not parseable as valid JSON.');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      return this.report('invalid_json_line', lineNo, 'Each line must be a JSON object.');
    const obj = parsed as Record<string, unknown>;
    if (typeof obj.custom_id !== 'string' || obj.custom_id === '')
      return this.report('missing_required_parameter', lineNo, "Missing required parameter: 'custom_id'.", 'custom_id');
    if (obj.method !== 'POST')
      return this.report('invalid_method', lineNo, "The method for this request must be 'POST'.", 'method');
    if (obj.url !== this.endpoint)
      return this.report(
        'invalid_url',
        lineNo,
        `The URL provided for this request does not match the batch endpoint ${this.endpoint}.`,
        'url',
      );
    const body = obj.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return this.report('missing_required_parameter', lineNo, "Missing required parameter: 'body'.", 'body');
    const b = body as Record<string, unknown>;
    if (typeof b.model !== 'string' || b.model === '')
      return this.report(
        'missing_required_parameter',
        lineNo,
        "Missing required parameter: 'body.model'.",
        'body.model',
      );
    const problem = this.endpoint.endsWith('/embeddings') ? embeddingProblem(b) : chatProblem(b);
    if (problem) return this.report('invalid_request', lineNo, problem.message, problem.param);
    if (this.model === undefined) this.model = b.model;
    else if (b.model !== this.model)
      return this.report(
        'mismatched_model',
        lineNo,
        `The model '${b.model}' differs from '${this.model}' used by earlier lines; a batch file may use only one model.`,
        'body.model',
      );
    if (this.seen.has(obj.custom_id))
      return this.report(
        'duplicate_custom_id',
        lineNo,
        'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.',
        'custom_id',
      );
    this.seen.add(obj.custom_id);
    // Past the limit the batch fails anyway; counting on without answering keeps the message exact.
    if (this.count < MAX_BATCH_REQUESTS && this.errors.length === 0)
      this.sink({ customId: obj.custom_id, body: b }, this.count);
    this.count += 1;
  }

  private conclude(): ValidatedInput {
    if (this.errors.length > 0) return { ok: false, errors: this.errors };
    if (this.count === 0 || this.model === undefined) {
      this.report('empty_file', null, 'The input file contains no requests.');
      return { ok: false, errors: this.errors };
    }
    if (this.count > MAX_BATCH_REQUESTS) {
      this.report(
        'too_many_requests',
        null,
        `The input file has ${this.count} requests; the limit is ${MAX_BATCH_REQUESTS}.`,
      );
      return { ok: false, errors: this.errors };
    }
    return { ok: true, count: this.count, model: this.model };
  }
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Runs a whole file through the parser and collects its lines (tests, small files). */
export function validateBatchInput(content: Buffer, endpoint: string): { input: ValidatedInput; lines: BatchLine[] } {
  const lines: BatchLine[] = [];
  const input = new BatchInputParser([content], content.length, endpoint, (line) => lines.push(line)).result();
  return { input, lines };
}

function chatProblem(b: Record<string, unknown>): { message: string; param: string } | undefined {
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    return { message: "'messages' must be a non-empty array.", param: 'body.messages' };
  return undefined;
}

function embeddingProblem(b: Record<string, unknown>): { message: string; param: string } | undefined {
  const problem = embeddingParamProblem(b);
  return problem ? { message: problem.message, param: `body.${problem.param}` } : undefined;
}
