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

export function validateBatchInput(content: Buffer, endpoint: string): ValidatedInput {
  const errors: BatchLineError[] = [];
  const report = (code: string, line: number | null, message: string, param: string | null = null) => {
    if (errors.length < MAX_REPORTED_ERRORS) errors.push({ code, line, message, param });
  };
  if (content.length > MAX_BATCH_FILE_BYTES) {
    report('file_too_large', null, `The input file is ${content.length} bytes; the limit is ${MAX_BATCH_FILE_BYTES}.`);
    return { ok: false, errors };
  }

  const text = content.toString('utf8');
  const lines: BatchLine[] = [];
  const seen = new Set<string>();
  let model: string | undefined;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo += 1;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    if (raw === '') continue;

    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      report('invalid_json_line', lineNo, 'This line is not parseable as valid JSON.');
      continue;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      report('invalid_json_line', lineNo, 'Each line must be a JSON object.');
      continue;
    }
    const obj = parsed as Record<string, unknown>;
    if (typeof obj.custom_id !== 'string' || obj.custom_id === '') {
      report('missing_required_parameter', lineNo, "Missing required parameter: 'custom_id'.", 'custom_id');
      continue;
    }
    if (obj.method !== 'POST') {
      report('invalid_method', lineNo, "The method for this request must be 'POST'.", 'method');
      continue;
    }
    if (obj.url !== endpoint) {
      report('invalid_url', lineNo, `The URL provided for this request does not match the batch endpoint ${endpoint}.`, 'url');
      continue;
    }
    const body = obj.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      report('missing_required_parameter', lineNo, "Missing required parameter: 'body'.", 'body');
      continue;
    }
    const b = body as Record<string, unknown>;
    if (typeof b.model !== 'string' || b.model === '') {
      report('missing_required_parameter', lineNo, "Missing required parameter: 'body.model'.", 'body.model');
      continue;
    }
    const bodyProblem = endpoint === '/v1/embeddings' ? embeddingProblem(b) : chatProblem(b);
    if (bodyProblem) {
      report('invalid_request', lineNo, bodyProblem.message, bodyProblem.param);
      continue;
    }
    if (model === undefined) model = b.model;
    else if (b.model !== model) {
      report(
        'mismatched_model',
        lineNo,
        `The model '${b.model}' differs from '${model}' used by earlier lines; a batch file may use only one model.`,
        'body.model',
      );
      continue;
    }
    if (seen.has(obj.custom_id)) {
      report(
        'duplicate_custom_id',
        lineNo,
        'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.',
        'custom_id',
      );
      continue;
    }
    seen.add(obj.custom_id);
    lines.push({ customId: obj.custom_id, body: b });
  }

  if (errors.length > 0) return { ok: false, errors };
  if (lines.length === 0 || model === undefined) {
    report('empty_file', null, 'The input file contains no requests.');
    return { ok: false, errors };
  }
  if (lines.length > MAX_BATCH_REQUESTS) {
    report('too_many_requests', null, `The input file has ${lines.length} requests; the limit is ${MAX_BATCH_REQUESTS}.`);
    return { ok: false, errors };
  }
  return { ok: true, lines, model };
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
