// The Gemini API's Batch Mode: a batch is BATCH_STATE_PENDING for the profile's validatingMs (for
// ever when batch.stallRate drew it, until cancelled), BATCH_STATE_RUNNING for completionMs, then
// SUCCEEDED (or FAILED, EXPIRED by the profile's batch fate). Requests come inline (each with its
// key in `metadata.key`) or as an uploaded JSONL file of `{key, request}` lines; the answers come the
// same way: inline responses in the batch, or a responses file (`files/batch-...`). Cancel ends the
// batch CANCELLED at once, keeping the answers of the requests already processed; an expired batch
// keeps those it processed before it expired. Answers are billed to the ledger when the batch ends.
import { googleError, batchRejected } from '../core/errors';
import { jsonLines } from './json-lines';
import {
  BillCollector,
  Outcome,
  corruptionOf,
  drawBatchStart,
  drawOutcome,
  isFailure,
  itemRatesOf,
  type Fate,
} from '../core/batch-results';
import { requestHash } from '../core/canonical';
import { spansOf, type Span } from '../core/in-flight';
import { lineIds, randomId } from '../core/ids';
import type { LedgerBook } from '../core/ledger';
import type { Profile } from '../core/profile';
import type { Rng } from '../core/random';
import type { GeminiFileStore } from './gemini-files';
import { pageOf, processedBy } from './google-paging';
import { answerGenerate, bareModel, generateContentResponse, generateRequestProblem } from './gemini-model';
import { answerEmbedLine, embedRequestProblem } from './gemini-embed-model';

/** The API's limit on a request body: a larger batch must come as a file. */
export const MAX_INLINE_BATCH_BYTES = 20 * 1024 * 1024;
/** Requests in one batch (the Gemini API publishes no count; the same as llmbatch plans for). */
export const MAX_GEMINI_BATCH_REQUESTS = 100_000;

export type GeminiBatchState =
  | 'BATCH_STATE_PENDING'
  | 'BATCH_STATE_RUNNING'
  | 'BATCH_STATE_SUCCEEDED'
  | 'BATCH_STATE_FAILED'
  | 'BATCH_STATE_CANCELLED'
  | 'BATCH_STATE_EXPIRED';

const ENDED = new Set<GeminiBatchState>([
  'BATCH_STATE_SUCCEEDED',
  'BATCH_STATE_FAILED',
  'BATCH_STATE_CANCELLED',
  'BATCH_STATE_EXPIRED',
]);

export interface GeminiBatchRequest {
  /** metadata.key of an inlined request (optional there), or a file line's key (required). */
  key?: string;
  request: unknown;
}

/** google.rpc.Status of a request that failed: gRPC code, message. */
interface RpcStatus {
  code: number;
  message: string;
}

/** What a batch's requests ask: batchGenerateContent's answers, or asyncBatchEmbedContent's vectors. */
export type GeminiBatchKind = 'generate' | 'embed';

interface ItemAnswer {
  key?: string;
  response?: ReturnType<typeof generateContentResponse> | ReturnType<typeof answerEmbedLine>['item']['response'];
  error?: RpcStatus;
}

interface GeminiBatchRecord {
  /** `batches/abc`. */
  name: string;
  model: string;
  kind: GeminiBatchKind;
  displayName: string;
  createdAtMs: number;
  updatedAtMs: number;
  pendingMs: number;
  runningMs: number;
  fate: Fate;
  stalled: boolean;
  state: GeminiBatchState;
  endedAtMs?: number;
  inline: boolean;
  /** Dropped once the batch has ended. */
  requests?: GeminiBatchRequest[];
  outcomes?: Uint8Array;
  count: number;
  succeeded: number;
  failed: number;
  /** Once ended: the inline responses, or the name of the responses file. */
  inlineResponses?: Array<{ response?: unknown; error?: RpcStatus; metadata?: Record<string, string> }>;
  responsesFile?: string;
}

const ERR_INVALID = 3;
const ERR_RESOURCE_EXHAUSTED = 8;
const ERR_INTERNAL = 13;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Checks keys the way the API refuses a batch outright: every file line needs one, none twice. */
function checkKeys(requests: GeminiBatchRequest[], keysRequired: boolean): void {
  const seen = new Set<string>();
  for (let i = 0; i < requests.length; i++) {
    const key = requests[i].key;
    if (key === undefined || key === '') {
      if (keysRequired)
        throw googleError(400, `Line ${i + 1} of the input file has no key: every request needs a unique key.`);
      continue;
    }
    if (seen.has(key)) throw googleError(400, `Duplicate key '${key}' in the batch: keys must be unique.`);
    seen.add(key);
  }
}

/** `{batch: {displayName, inputConfig: {requests: {requests: [...]}} | {fileName}}}` into requests. */
export function parseBatchBody(
  body: unknown,
  files: GeminiFileStore,
): { displayName: string; requests: GeminiBatchRequest[]; inline: boolean } {
  const batch = isObject(body) ? body.batch : undefined;
  if (!isObject(batch)) throw googleError(400, '* BatchGenerateContentRequest.batch: batch is required');
  const displayName = typeof batch.displayName === 'string' ? batch.displayName : '';
  if (displayName.length > 512) throw googleError(400, '* GenerateContentBatch.display_name: at most 512 characters');
  const input = batch.inputConfig;
  if (!isObject(input)) throw googleError(400, '* GenerateContentBatch.input_config: input_config is required');
  const inlineWrapper = input.requests;
  // camelCase from batches.create, snake_case from batches.createEmbeddings: the API takes both.
  const fileName = input.fileName ?? input.file_name;
  if ((inlineWrapper === undefined) === (fileName === undefined))
    throw googleError(400, '* InputConfig: exactly one of file_name or requests must be set');
  let requests: GeminiBatchRequest[];
  if (fileName !== undefined) {
    if (typeof fileName !== 'string') throw googleError(400, '* InputConfig.file_name: must be a string');
    requests = parseInputFile(files.get(fileName).chunks);
  } else {
    const list = isObject(inlineWrapper) ? inlineWrapper.requests : undefined;
    if (!Array.isArray(list)) throw googleError(400, '* InputConfig.requests.requests: must be a list');
    requests = list.map((r: unknown, i) => {
      if (!isObject(r) || !isObject(r.request))
        throw googleError(400, `* InputConfig.requests.requests[${i}].request: request is required`);
      const metadata = isObject(r.metadata) ? r.metadata : {};
      return { key: typeof metadata.key === 'string' ? metadata.key : undefined, request: r.request };
    });
  }
  if (requests.length === 0) throw googleError(400, '* GenerateContentBatch: the batch has no requests');
  if (requests.length > MAX_GEMINI_BATCH_REQUESTS)
    throw googleError(
      400,
      `* GenerateContentBatch: ${requests.length} requests, more than the limit of ${MAX_GEMINI_BATCH_REQUESTS}`,
    );
  checkKeys(requests, fileName !== undefined);
  return { displayName, requests, inline: fileName === undefined };
}

function parseInputFile(chunks: Buffer[]): GeminiBatchRequest[] {
  const text = Buffer.concat(chunks).toString('utf8');
  const requests: GeminiBatchRequest[] = [];
  for (const { line, value: parsed } of jsonLines(text, 'the input file')) {
    if (!isObject(parsed) || !isObject(parsed.request))
      throw googleError(400, `Line ${line} of the input file has no request object.`);
    requests.push({ key: typeof parsed.key === 'string' ? parsed.key : undefined, request: parsed.request });
  }
  return requests;
}

export class GeminiBatchStore {
  private readonly batches = new Map<string, GeminiBatchRecord>();

  constructor(
    private readonly ledger: LedgerBook,
    private readonly files: GeminiFileStore,
  ) {}

  create(
    model: string,
    parsed: { displayName: string; requests: GeminiBatchRequest[]; inline: boolean },
    profile: Profile,
    rng: Rng,
    nowMs: number,
    kind: GeminiBatchKind = 'generate',
  ): GeminiBatchRecord {
    const { stalled, batchRng, fate } = drawBatchStart(rng, profile.batch, true, batchRejected);
    const rates = itemRatesOf(profile);
    const { requests } = parsed;
    const outcomes = new Uint8Array(requests.length);
    for (let i = 0; i < requests.length; i++) outcomes[i] = drawOutcome(rates, batchRng, requests[i].key ?? `#${i}`);
    const record: GeminiBatchRecord = {
      name: `batches/${randomId('', 24).toLowerCase()}`,
      model: bareModel(model),
      kind,
      displayName: parsed.displayName,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
      pendingMs: profile.batch.validatingMs,
      runningMs: profile.batch.completionMs,
      fate,
      stalled,
      state: 'BATCH_STATE_PENDING',
      inline: parsed.inline,
      requests,
      outcomes,
      count: requests.length,
      succeeded: 0,
      failed: 0,
    };
    this.batches.set(record.name, record);
    this.ledger.countBatchCreated();
    return record;
  }

  /** By `batches/abc` or `abc`. */
  get(id: string, nowMs: number): GeminiBatchRecord {
    const b = this.batches.get(id.startsWith('batches/') ? id : `batches/${id}`);
    if (!b) throw googleError(404, `Batch ${id} not found.`);
    this.advance(b, nowMs);
    return b;
  }

  cancel(id: string, nowMs: number): GeminiBatchRecord {
    const b = this.get(id, nowMs);
    if (ENDED.has(b.state)) {
      if (b.state === 'BATCH_STATE_CANCELLED') return b;
      throw googleError(400, `Batch ${b.name} has already ended (${b.state}) and cannot be cancelled.`);
    }
    this.ledger.countBatchCancelled();
    this.end(b, 'BATCH_STATE_CANCELLED', nowMs, this.progress(b, nowMs));
    return b;
  }

  delete(id: string, nowMs: number): void {
    const b = this.get(id, nowMs);
    if (!ENDED.has(b.state))
      throw googleError(400, `Batch ${b.name} is still ${b.state}; cancel it before deleting it.`);
    this.batches.delete(b.name);
  }

  /** Newest first, `pageSize` at a time (default 50, at most 1000); the token is the next offset. */
  list(pageSize: number, pageToken: string | undefined, nowMs: number) {
    const page = pageOf([...this.batches.values()].reverse(), pageSize, pageToken);
    for (const b of page.data) this.advance(b, nowMs);
    return page;
  }

  advanceAll(nowMs: number): void {
    for (const b of this.batches.values()) this.advance(b, nowMs);
  }

  /** When each batch was in flight (call advanceAll first). */
  spans(): Span[] {
    return spansOf(this.batches.values());
  }

  clear(): void {
    this.batches.clear();
  }

  /** Requests processed by `now`: a linear sweep over the running time. */
  private progress(b: GeminiBatchRecord, now: number): number {
    if (b.state === 'BATCH_STATE_PENDING') return 0;
    return processedBy(b.count, b.createdAtMs + b.pendingMs, b.runningMs, now);
  }

  private advance(b: GeminiBatchRecord, now: number): void {
    if (ENDED.has(b.state)) return;
    if (b.stalled) return;
    const started = b.createdAtMs + b.pendingMs;
    if (now < started) return;
    if (b.state === 'BATCH_STATE_PENDING') {
      b.state = 'BATCH_STATE_RUNNING';
      b.updatedAtMs = started;
    }
    const at = started + b.runningMs;
    if (now < at) return;
    if (b.fate.kind === 'fail') this.end(b, 'BATCH_STATE_FAILED', at, 0);
    else if (b.fate.kind === 'expire') this.end(b, 'BATCH_STATE_EXPIRED', at, Math.floor(b.count * b.fate.fraction));
    else this.end(b, 'BATCH_STATE_SUCCEEDED', at, b.count);
  }

  /** Answers the first `processed` requests, bills them, and files the responses. */
  private end(b: GeminiBatchRecord, state: GeminiBatchState, at: number, processed: number): void {
    const requests = b.requests ?? [];
    const outcomes = b.outcomes ?? new Uint8Array(0);
    b.requests = undefined;
    b.outcomes = undefined;
    b.state = state;
    b.endedAtMs = at;
    b.updatedAtMs = at;
    if (state === 'BATCH_STATE_FAILED') {
      // Counted as the OpenAI side counts its failed batches: tests check that no failed batch is
      // resubmitted more than its strike allows.
      this.ledger.countBatchFailed();
      return;
    }
    const answers: ItemAnswer[] = [];
    const bill = new BillCollector();
    const responseId = lineIds('');
    for (let i = 0; i < processed; i++) {
      const { key, request } = requests[i];
      const answer = answerBatchRequest(request, outcomes[i], responseId(i), b.model, b.kind);
      answers.push({ key, ...answer.item });
      if (answer.billed)
        bill.add(answer.billed.input, answer.billed.output, answer.billed.hash, answer.billed.corrupted);
    }
    b.succeeded = answers.filter((a) => a.response).length;
    b.failed = answers.length - b.succeeded;
    this.ledger.billMany('batch', 'gemini', b.model, bill);
    if (b.inline) {
      b.inlineResponses = answers.map((a) => ({
        ...(a.response ? { response: a.response } : { error: a.error }),
        ...(a.key !== undefined ? { metadata: { key: a.key } } : {}),
      }));
    } else {
      const lines = answers.map((a) => JSON.stringify(a) + '\n');
      const file = this.files.add({
        name: `files/batch-${b.name.slice('batches/'.length)}`,
        mimeType: 'application/jsonl',
        chunks: [Buffer.from(lines.join(''), 'utf8')],
      });
      b.responsesFile = file.name;
    }
  }

  /** The Operation the API answers with (metadata: the GenerateContentBatch). */
  toJson(b: GeminiBatchRecord) {
    const iso = (ms: number) => new Date(ms).toISOString();
    const ended = ENDED.has(b.state);
    const output = b.responsesFile
      ? { responsesFile: b.responsesFile }
      : b.inlineResponses
        ? { inlinedResponses: { inlinedResponses: b.inlineResponses } }
        : undefined;
    const pending = ended ? 0 : b.count;
    return {
      name: b.name,
      metadata: {
        '@type': `type.googleapis.com/google.ai.generativelanguage.v1main.${b.kind === 'embed' ? 'EmbedContentBatch' : 'GenerateContentBatch'}`,
        name: b.name,
        model: `models/${b.model}`,
        displayName: b.displayName,
        createTime: iso(b.createdAtMs),
        updateTime: iso(b.updatedAtMs),
        ...(b.endedAtMs !== undefined ? { endTime: iso(b.endedAtMs) } : {}),
        batchStats: {
          requestCount: String(b.count),
          ...(pending ? { pendingRequestCount: String(pending) } : {}),
          ...(b.succeeded ? { successfulRequestCount: String(b.succeeded) } : {}),
          ...(b.failed ? { failedRequestCount: String(b.failed) } : {}),
        },
        state: b.state,
        ...(output ? { output } : {}),
      },
      done: ended,
      ...(ended && b.state === 'BATCH_STATE_FAILED'
        ? { error: { code: ERR_INTERNAL, message: 'The batch failed (simulated provider failure).' } }
        : {}),
      ...(ended && output
        ? {
            response: {
              '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput',
              ...output,
            },
          }
        : {}),
    };
  }
}

/**
 * One request of a batch answered: its per-item fault (a google.rpc.Status with the gRPC code) or
 * the fake model's response, and what to bill for it. Shared by the Gemini API's batches and
 * Vertex AI's batch prediction jobs, which run the same requests.
 */
export function answerBatchRequest(
  request: unknown,
  outcome: Outcome,
  responseId: string,
  batchModel: string,
  kind: GeminiBatchKind = 'generate',
) {
  const fail = (code: number, message: string) => ({ item: { error: { code, message } }, billed: undefined });
  const problem = kind === 'embed' ? embedRequestProblem(request, batchModel) : generateRequestProblem(request);
  if (problem) return fail(ERR_INVALID, problem);
  if (isFailure(outcome)) {
    if (outcome === Outcome.Permanent)
      return fail(
        ERR_INVALID,
        'Request contains an invalid argument (simulated permanent failure): this request will fail the same way if retried.',
      );
    return outcome === Outcome.Retryable429
      ? fail(ERR_RESOURCE_EXHAUSTED, 'Resource has been exhausted (simulated). Please retry.')
      : fail(ERR_INTERNAL, 'An internal error has occurred (simulated). Please retry.');
  }
  const body = request as Record<string, unknown>;
  if (kind === 'embed') return answerEmbedLine(body, batchModel, geminiRequestHash(body, batchModel));
  const model = typeof body.model === 'string' ? bareModel(body.model) : batchModel;
  const { model: _named, ...rest } = body;
  void _named;
  const hash = geminiRequestHash(rest, model);
  const corruption = corruptionOf(outcome);
  const answer = answerGenerate(body, corruption, hash);
  return {
    item: { response: generateContentResponse(model, answer, responseId) },
    billed: { input: answer.promptTokens, output: answer.outputTokens, hash, corrupted: corruption !== 'none' },
  };
}

/**
 * The hash the ledger knows a Gemini request by: its body with the model named bare, whether the
 * model came in the body (inlined batch requests) or in the path (sync calls, file lines), so a
 * request answered in a batch and asked again in the sync lane is seen as the same.
 */
export function geminiRequestHash(body: Record<string, unknown>, model: string): string {
  return requestHash({ ...body, model: bareModel(model) });
}
