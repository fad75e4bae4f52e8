// Gemini Developer API Batch Mode over the official `@google/genai` SDK (also the simulator's Gemini
// paths). A chunk under the API's 20 MB request limit goes inline (`src: InlinedRequest[]`, each
// request's key in its metadata); a larger one is uploaded as a JSONL file of `{key, request}` lines
// and the batch names the file. Structured output: `responseMimeType: application/json` with the
// output schema as `responseSchema`. The SDK never retries (no retryOptions): Temporal owns retries.
//
// Gemini batches carry no metadata but a display name: the idempotency key rides in it, with the
// number of requests (the SDK's BatchJob has no request counts), and a batch whose create response
// was lost is found by listing the batches and matching the name.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  GoogleGenAI,
  JobState,
  type BatchJob,
  type GenerateContentConfig,
  type GenerateContentResponse,
  type InlinedRequest,
  type JobError,
} from './genai';
import {
  GEMINI_INLINE_MAX_BYTES,
  chatRequestOnly,
  isEmbeddingRequest,
  type ChatRequest,
  type JsonSchema,
  type NeutralRequest,
} from '../../common';
import type { TokenUsage } from '../../common/usage-cost';
import { withBatchFile } from '../core/batch-file';
import type { BatchProvider, BatchRequest, BatchStatus, FindHint, ItemResult, ProviderBatch } from '../core/types';
import { geminiCall } from './gemini-errors';
import { GEMINI_HTTP, GenaiJobProvider, GenaiJobs, genaiHttpOptions, jobRecordOf } from './genai-jobs';
import { createEmbeddingBatch, embedSync, geminiEmbeddingResult, isEmbeddingLine } from './gemini-embeddings';

export interface GeminiConfig {
  apiKey: string;
  /** Another endpoint (the simulator), without /v1beta. */
  baseURL?: string;
  /** Kept below the activities' startToCloseTimeout. */
  timeoutMs?: number;
}

/**
 * Node's own fetch, handed to the SDK: without one it dispatches through undici's global dispatcher,
 * which it looks up on `globalThis` and cannot find inside a sandbox (jest's, where the worker of the
 * integration tests runs). Our own timeout (below undici's 300 s) bounds every call either way.
 */
export { GEMINI_HTTP };

/** The API version every call goes to (the simulator serves this one). */
export const GEMINI_API_VERSION = 'v1beta';

/** Where the SDK's JobState puts a batch in our lifecycle. */
export const GEMINI_STATUS: Record<string, BatchStatus> = {
  // Accepted, not started: the stalled-batch watchdog (poll.startDeadline) watches `validating`.
  [JobState.JOB_STATE_PENDING]: 'validating',
  [JobState.JOB_STATE_QUEUED]: 'validating',
  [JobState.JOB_STATE_UNSPECIFIED]: 'validating',
  [JobState.JOB_STATE_RUNNING]: 'in_progress',
  [JobState.JOB_STATE_PAUSED]: 'in_progress',
  [JobState.JOB_STATE_CANCELLING]: 'cancelling',
  [JobState.JOB_STATE_SUCCEEDED]: 'completed',
  [JobState.JOB_STATE_PARTIALLY_SUCCEEDED]: 'completed',
  [JobState.JOB_STATE_FAILED]: 'failed',
  [JobState.JOB_STATE_CANCELLED]: 'cancelled',
  [JobState.JOB_STATE_EXPIRED]: 'expired',
};

/** `runId/chunk/strike (123 requests)`: the key and the count, as the display name carries them. */
export function displayNameOf(idempotencyKey: string, requests: number): string {
  return `${idempotencyKey} (${requests} requests)`;
}

export function parseDisplayName(name: string | undefined): { key: string; requests: number } | undefined {
  const match = /^(.*) \((\d+) requests\)$/.exec(name ?? '');
  return match ? { key: match[1], requests: Number(match[2]) } : undefined;
}

const GEMINI_TYPES = new Set(['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT']);

/**
 * The output schema as the Gemini API's Schema (an OpenAPI 3.0 subset), the way @google/genai's own
 * JSON-schema conversion does it: types in capitals, `additionalProperties` and `$schema` dropped
 * (Gemini has no closed objects), a `[T, null]` type or `anyOf` with null as `nullable`. The same
 * object goes inline (the SDK converts it again, which changes nothing) and into the JSONL file.
 */
export function geminiResponseSchema(schema: unknown): Record<string, unknown> {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return {};
  const source = { ...(schema as Record<string, unknown>) };
  const out: Record<string, unknown> = {};
  const anyOf = source.anyOf as unknown[] | undefined;
  if (Array.isArray(anyOf)) {
    const rest = anyOf.filter((s) => (s as { type?: unknown })?.type !== 'null');
    if (rest.length < anyOf.length) out.nullable = true;
    if (rest.length === 1) {
      delete source.anyOf;
      Object.assign(source, rest[0]);
    } else source.anyOf = rest;
  }
  for (const [field, value] of Object.entries(source)) {
    if (value === undefined || value === null) continue;
    if (field === 'additionalProperties' || field === '$schema' || field === '$id') continue;
    if (field === 'type') {
      const types = (Array.isArray(value) ? value : [value]).map(String);
      if (types.includes('null')) out.nullable = true;
      const first = types.find((t) => t !== 'null') ?? 'string';
      const upper = first.toUpperCase();
      out.type = GEMINI_TYPES.has(upper) ? upper : 'TYPE_UNSPECIFIED';
    } else if (field === 'items') out.items = geminiResponseSchema(value);
    else if (field === 'anyOf') out.anyOf = (value as unknown[]).map(geminiResponseSchema);
    else if (field === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, geminiResponseSchema(v)]),
      );
    } else out[field] = value;
  }
  return out;
}

function systemText(request: ChatRequest): string | undefined {
  const parts = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

function contentsOf(request: ChatRequest) {
  return request.messages
    .filter((m) => m.role !== 'system')
    .map((m) => ({ role: 'user', parts: [{ text: m.content }] }));
}

function generationConfigOf(request: ChatRequest, schema: JsonSchema | undefined) {
  return {
    maxOutputTokens: request.maxTokens,
    ...(schema ? { responseMimeType: 'application/json', responseSchema: geminiResponseSchema(schema) } : {}),
  };
}

/** The SDK's generateContent parameters for one request (sync lane and inline batches). */
export function generateContentParams(neutral: NeutralRequest, schema: JsonSchema | undefined) {
  const request = chatRequestOnly(neutral, 'gemini');
  const system = systemText(request);
  const config: GenerateContentConfig = {
    ...(system ? { systemInstruction: system } : {}),
    ...(generationConfigOf(request, schema) as GenerateContentConfig),
  };
  return { model: request.model, contents: contentsOf(request), config };
}

/** The SDK's inlined request: the key rides in the metadata, which the response carries back. */
export function inlinedRequest(r: BatchRequest, schema: JsonSchema | undefined): InlinedRequest {
  const { contents, config } = generateContentParams(r.request, schema);
  return { contents, config, metadata: { key: r.customId } };
}

interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

/**
 * usageMetadata as billed: the cached part of the prompt comes out of the input tokens and is billed
 * at the cache-read price; thinking tokens are billed as output.
 */
export function geminiUsage(usage: UsageMetadata | undefined): TokenUsage {
  const cached = usage?.cachedContentTokenCount ?? 0;
  const prompt = (usage?.promptTokenCount ?? 0) + (usage?.toolUsePromptTokenCount ?? 0);
  return {
    inputTokens: Math.max(0, prompt - cached),
    outputTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
    cacheWriteTokens: 0,
    cacheReadTokens: cached,
  };
}

/** Finish reasons by which Gemini withheld the answer for its content. */
const BLOCKED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

const CODE_STATUS: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** google.rpc.Code numbers, as a batch's per-request google.rpc.Status carries them. */
const GRPC_CODES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

/**
 * One answer of a batch (or a sync call) as an item result. A per-item error is a google.rpc.Status:
 * `code` is the gRPC code (3 INVALID_ARGUMENT) or, as the API also writes it, the HTTP status; its
 * `status` name decides when present.
 */
export function parseGeminiResult(
  customId: string,
  response: GenerateContentResponse | undefined,
  error: (JobError & { status?: string }) | undefined,
): ItemResult {
  if (error) {
    const code = error.code;
    const name = error.status ?? (code !== undefined && code < 100 ? GRPC_CODES[code] : undefined);
    const status = (name ? CODE_STATUS[name] : undefined) ?? (code && code >= 400 ? code : undefined);
    return {
      customId,
      ok: false,
      status: status ?? 500,
      code: name ?? (code !== undefined ? String(code) : undefined),
      message: error.message ?? `error ${error.code ?? ''}`.trim(),
    };
  }
  if (!response) return { customId, ok: false, message: 'no response and no error' };
  const usage = geminiUsage(response.usageMetadata);
  const candidate = response.candidates?.[0];
  if (!candidate) {
    const reason = response.promptFeedback?.blockReason;
    return reason
      ? { customId, ok: false, code: 'content_filter', message: `the prompt was blocked (${reason})`, usage }
      : { customId, ok: false, code: 'empty_response', message: 'the response had no candidate', usage };
  }
  if (candidate.finishReason && BLOCKED.has(candidate.finishReason)) {
    return {
      customId,
      ok: false,
      code: 'content_filter',
      message: `the answer was withheld (finishReason ${candidate.finishReason})`,
      usage,
    };
  }
  const text = (candidate.content?.parts ?? [])
    .filter((p) => !p.thought)
    .map((p) => p.text ?? '')
    .join('');
  return { customId, ok: true, content: text, usage };
}

function toProviderBatch(job: BatchJob, cancelRequested = false): ProviderBatch {
  let status = GEMINI_STATUS[job.state ?? JobState.JOB_STATE_PENDING] ?? 'in_progress';
  if (cancelRequested && (status === 'validating' || status === 'in_progress')) status = 'cancelling';
  const named = parseDisplayName(job.displayName);
  const total = named?.requests ?? job.dest?.inlinedResponses?.length ?? 0;
  const inline = job.dest?.inlinedResponses ?? [];
  const completed = inline.filter((r) => r.response && !r.error).length;
  return {
    id: job.name ?? '',
    status,
    ...(job.dest?.fileName ? { outputFileId: job.dest.fileName } : {}),
    counts: { total, completed, failed: inline.length - completed },
    ...jobRecordOf(job, status, named),
  };
}

/** What one batch input carries: inline when small, or the name of an uploaded file. */
type BatchSource = { inline: InlinedRequest[]; count: number } | { fileName: string; count: number };

export class GeminiBatchProvider extends GenaiJobProvider implements BatchProvider {
  readonly client: GoogleGenAI;
  protected readonly jobs: GenaiJobs;

  constructor(
    readonly name: string,
    config: GeminiConfig,
    /** Chunks whose JSON stays under this go inline; tests lower it to exercise the file path. */
    private readonly inlineMaxBytes = GEMINI_INLINE_MAX_BYTES,
  ) {
    super();
    this.client = new GoogleGenAI({
      apiKey: config.apiKey,
      // Batch Mode is documented on v1beta; the SDK's own default (v1 since 3.x) is pinned away from.
      apiVersion: GEMINI_API_VERSION,
      httpOptions: genaiHttpOptions(config),
    });
    this.jobs = new GenaiJobs(this.client, toProviderBatch);
  }

  async findBatch(idempotencyKey: string, hint: FindHint): Promise<ProviderBatch | undefined> {
    // Gemini's list has no documented order nor filter: the whole list is read.
    return this.jobs.find(idempotencyKey, hint);
  }

  /** Inline up to the 20 MB request limit; past it, the requests go to a file (one pass, on disk). */
  private async source(requests: AsyncIterable<BatchRequest>, schema: JsonSchema | undefined): Promise<BatchSource> {
    const inline: InlinedRequest[] = [];
    let bytes = 0;
    const iterator = requests[Symbol.asyncIterator]();
    for (;;) {
      const next = await iterator.next();
      if (next.done) return { inline, count: inline.length };
      const request = inlinedRequest(next.value, schema);
      // Bytes, not characters (text beyond ASCII takes more), plus the envelope and model name
      // the SDK adds to each request; 10% headroom under the limit for what is not counted.
      bytes += Buffer.byteLength(JSON.stringify(request)) + 64;
      inline.push(request);
      if (bytes > this.inlineMaxBytes * 0.9) break;
    }
    // Too big to send inline: everything so far, and the rest as it comes, into a JSONL file.
    const held = inline.length;
    let count = 0;
    const all = (async function* () {
      for (const r of inline) yield r;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield inlinedRequest(next.value, schema);
      }
    })();
    const toLine = (r: InlinedRequest) => {
      count += 1;
      return JSON.stringify({ key: r.metadata?.key ?? '', request: restRequestOf(r) });
    };
    const file = await withBatchFile(all, toLine, (contents) =>
      geminiCall(() =>
        this.client.files.upload({
          file: new Blob([contents], { type: 'application/jsonl' }),
          config: { mimeType: 'application/jsonl', displayName: `llmbatch-${held}` },
        }),
      ),
    );
    if (!file.name) throw new Error('the Gemini file upload returned no file name');
    return { fileName: file.name, count };
  }

  async createBatch(
    requests: AsyncIterable<BatchRequest>,
    schema: JsonSchema | undefined,
    idempotencyKey: string,
  ): Promise<ProviderBatch> {
    // A batch has one model and one kind, the first request's (a chunk is cut per model; a run is all
    // chat or all embeddings): embeddings go their own way (gemini-embeddings.ts).
    const iterator = requests[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) throw new Error('a Gemini batch needs at least one request');
    const all = (async function* () {
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    })();
    if (isEmbeddingRequest(first.value.request)) {
      const job = await createEmbeddingBatch(this.client, all, first.value.request.model, (count) =>
        displayNameOf(idempotencyKey, count),
      );
      return toProviderBatch(job);
    }
    let model: string | undefined;
    const checked = (async function* () {
      for await (const r of all) {
        const m = chatRequestOnly(r.request, 'gemini').model;
        model ??= m;
        if (m !== model) throw new Error(`one Gemini batch cannot mix models ${model} and ${m}`);
        yield r;
      }
    })();
    const source = await this.source(checked, schema);
    if (!model) throw new Error('a Gemini batch needs at least one request');
    const batchModel = model;
    const job = await geminiCall(() =>
      this.client.batches.create({
        model: batchModel,
        src: 'fileName' in source ? source.fileName : source.inline,
        config: { displayName: displayNameOf(idempotencyKey, source.count) },
      }),
    );
    return toProviderBatch(job);
  }

  async *readResults(batch: ProviderBatch): AsyncIterable<ItemResult> {
    const job = await this.readableJob(batch);
    if (!job) return;
    const inline = job.dest?.inlinedResponses;
    if (inline) {
      for (const r of inline) {
        const key = r.metadata?.key;
        if (key) yield parseGeminiResult(key, r.response, r.error);
      }
    }
    const fileName = job.dest?.fileName;
    if (!fileName) return;
    const dir = await mkdtemp(join(tmpdir(), 'llmbatch-gemini-'));
    try {
      const path = join(dir, 'results.jsonl');
      await geminiCall(() => this.client.files.download({ file: fileName, downloadPath: path }));
      const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!line.trim()) continue;
        const parsed = JSON.parse(line) as {
          key?: string;
          response?: GenerateContentResponse;
          error?: JobError & { status?: string };
        };
        if (!parsed.key) continue;
        yield isEmbeddingLine(parsed)
          ? geminiEmbeddingResult(parsed.key, parsed.response)
          : parseGeminiResult(parsed.key, parsed.response, parsed.error);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async callSync(request: BatchRequest, schema: JsonSchema | undefined, signal?: AbortSignal): Promise<ItemResult> {
    if (isEmbeddingRequest(request.request)) return embedSync(this.client, request, signal);
    return generateSync(this.client, request, schema, signal);
  }
}

/** One generateContent call as an item result (strike 3), in either mode of the SDK. */
export async function generateSync(
  client: GoogleGenAI,
  request: BatchRequest,
  schema: JsonSchema | undefined,
  signal?: AbortSignal,
): Promise<ItemResult> {
  const params = generateContentParams(request.request, schema);
  const response = await geminiCall(
    () => client.models.generateContent({ ...params, config: { ...params.config, abortSignal: signal } }),
    signal,
  );
  return parseGeminiResult(request.customId, response, undefined);
}

/** The REST request of an inlined one (the file line's `request`), built from the same parts. */
export function restRequestOf(r: InlinedRequest): Record<string, unknown> {
  const config = (r.config ?? {}) as GenerateContentConfig & { systemInstruction?: string };
  const { systemInstruction, ...generationConfig } = config;
  return {
    contents: r.contents,
    ...(systemInstruction ? { systemInstruction: { parts: [{ text: systemInstruction }] } } : {}),
    generationConfig,
  };
}
