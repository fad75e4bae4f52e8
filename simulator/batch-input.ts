// Validation of a batch input file, done when the batch leaves `validating` (as at OpenAI, a bad
// line fails the whole batch rather than being refused at upload). The rules are the ones a
// pipeline most often breaks: one JSON object per line, unique custom_id, POST to the batch's
// endpoint, a body, and one model per file.

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

export type ValidatedInput = { ok: true; lines: BatchLine[]; model: string } | { ok: false; errors: BatchLineError[] };

/** OpenAI's per-batch limits. */
export const MAX_BATCH_REQUESTS = 50_000;
export const MAX_BATCH_FILE_BYTES = 200 * 1024 * 1024;
/** Enough to show what is wrong without turning one bad file into a megabyte of batch object. */
const MAX_REPORTED_ERRORS = 1000;

/**
 * Parses a batch input file a slice at a time (`step`), so a 200 MB file is validated during the
 * batch's `validating` window without freezing the server; `validateBatchInput` runs it in one go.
 */
export class BatchInputParser {
  private readonly text: string;
  private readonly errors: BatchLineError[] = [];
  private readonly lines: BatchLine[] = [];
  private readonly seen = new Set<string>();
  private model: string | undefined;
  private lineNo = 0;
  private pos = 0;
  private outcome: ValidatedInput | undefined;

  constructor(
    content: Buffer,
    private readonly endpoint: string,
  ) {
    if (content.length > MAX_BATCH_FILE_BYTES) {
      this.text = '';
      this.report(
        'file_too_large',
        null,
        `The input file is ${content.length} bytes; the limit is ${MAX_BATCH_FILE_BYTES}.`,
      );
      this.outcome = { ok: false, errors: this.errors };
    } else {
      this.text = content.toString('utf8');
    }
  }

  /** Parses lines until `deadline` (a Date.now() value); true once the whole file is done. */
  step(deadline: number): boolean {
    if (this.outcome) return true;
    const text = this.text;
    let n = 0;
    while (this.pos <= text.length) {
      // Checking the clock every line would cost more than parsing short lines.
      if ((++n & 255) === 0 && Date.now() >= deadline) return false;
      let end = text.indexOf('\n', this.pos);
      if (end < 0) end = text.length;
      this.lineNo += 1;
      const raw = text.slice(this.pos, end).trim();
      this.pos = end + 1;
      if (raw !== '') this.parseLine(raw, this.lineNo);
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
    const problem = this.endpoint === '/v1/embeddings' ? embeddingProblem(b) : chatProblem(b);
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
    this.lines.push({ customId: obj.custom_id, body: b });
  }

  private conclude(): ValidatedInput {
    if (this.errors.length > 0) return { ok: false, errors: this.errors };
    if (this.lines.length === 0 || this.model === undefined) {
      this.report('empty_file', null, 'The input file contains no requests.');
      return { ok: false, errors: this.errors };
    }
    if (this.lines.length > MAX_BATCH_REQUESTS) {
      this.report(
        'too_many_requests',
        null,
        `The input file has ${this.lines.length} requests; the limit is ${MAX_BATCH_REQUESTS}.`,
      );
      return { ok: false, errors: this.errors };
    }
    return { ok: true, lines: this.lines, model: this.model };
  }
}

export function validateBatchInput(content: Buffer, endpoint: string): ValidatedInput {
  return new BatchInputParser(content, endpoint).result();
}

function chatProblem(b: Record<string, unknown>): { message: string; param: string } | undefined {
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    return { message: "'messages' must be a non-empty array.", param: 'body.messages' };
  return undefined;
}

function embeddingProblem(b: Record<string, unknown>): { message: string; param: string } | undefined {
  if (b.input === undefined || b.input === null || b.input === '')
    return { message: "Missing required parameter: 'input'.", param: 'body.input' };
  return undefined;
}
