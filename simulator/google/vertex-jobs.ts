// Vertex AI batch prediction jobs for Gemini models: `inputConfig.gcsSource.uris` name JSONL objects
// of `{"key"?, "request"}` lines in Cloud Storage, read when the job is created (a missing bucket or
// object is a 400 then); answers go to `<outputUriPrefix>/prediction-model-<time>/predictions.jsonl`,
// one `{"key"?, "request", "status", "response"?, "processed_time"}` line per request processed,
// `status` empty on success and the error's text otherwise, as Vertex writes them.
//
// States: JOB_STATE_PENDING for the profile's validatingMs (a job drawn by batch.stallRate waits in
// JOB_STATE_QUEUED for capacity until cancelled), RUNNING for completionMs, then SUCCEEDED, or
// PARTIALLY_SUCCEEDED when some requests failed, FAILED or EXPIRED by the profile's batch fate.
// Cancel ends the job CANCELLED at once with the answers of the requests already processed.
// Answers are billed to the ledger (provider `vertex`) when the job ends.
import { randomInt } from 'node:crypto';
import { batchRejected, googleError } from '../core/errors';
import { BillCollector, drawBatchStart, drawOutcome, itemRatesOf, type Fate } from '../core/batch-results';
import { spansOf, type Span } from '../core/in-flight';
import { lineIds } from '../core/ids';
import type { LedgerBook } from '../core/ledger';
import type { Profile } from '../core/profile';
import type { Rng } from '../core/random';
import { answerBatchRequest, MAX_GEMINI_BATCH_REQUESTS } from './gemini-batches';
import { GcsObjects, parseGsUri, type GsUri } from './gcs-objects';
import { knownGeminiModel } from './gemini-model';
import { pageOf, processedBy } from './google-paging';
import { jsonLines } from './json-lines';

export type VertexJobState =
  | 'JOB_STATE_QUEUED'
  | 'JOB_STATE_PENDING'
  | 'JOB_STATE_RUNNING'
  | 'JOB_STATE_SUCCEEDED'
  | 'JOB_STATE_PARTIALLY_SUCCEEDED'
  | 'JOB_STATE_FAILED'
  | 'JOB_STATE_CANCELLED'
  | 'JOB_STATE_EXPIRED';

const ENDED = new Set<VertexJobState>([
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_PARTIALLY_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_EXPIRED',
]);

interface InputLine {
  key?: string;
  request: unknown;
}

interface VertexJob {
  /** projects/{p}/locations/{l}/batchPredictionJobs/{numeric id}. */
  name: string;
  parent: string;
  displayName: string;
  /** publishers/google/models/{model}, as the job names it. */
  modelPath: string;
  model: string;
  inputUris: string[];
  output: GsUri;
  createdAtMs: number;
  updatedAtMs: number;
  pendingMs: number;
  runningMs: number;
  fate: Fate;
  stalled: boolean;
  state: VertexJobState;
  endedAtMs?: number;
  /** Dropped once the job has ended. */
  requests?: InputLine[];
  outcomes?: Uint8Array;
  count: number;
  succeeded: number;
  failed: number;
  /** Once ended with answers: the directory they went to, and the write (awaited before it is shown). */
  outputDirectory?: string;
  written?: Promise<void>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `publishers/google/models/gemini-2.5-flash` (or `models/...`, or bare) -> `gemini-2.5-flash`. */
export function vertexModelId(model: string): string {
  return model.replace(/^publishers\/google\/models\//, '').replace(/^models\//, '');
}

function parseInputLines(text: string, uri: string): InputLine[] {
  const out: InputLine[] = [];
  for (const { line, value: parsed } of jsonLines(text, uri)) {
    if (!isObject(parsed) || !isObject(parsed.request))
      throw googleError(400, `Line ${line} of ${uri} has no "request" object.`);
    out.push({ key: typeof parsed.key === 'string' ? parsed.key : undefined, request: parsed.request });
  }
  return out;
}

/** The create body's parts, checked the way Vertex refuses a job before it exists. */
export interface VertexJobInput {
  displayName: string;
  modelPath: string;
  inputUris: string[];
  output: GsUri;
}

export function parseCreateBody(body: unknown): VertexJobInput {
  if (!isObject(body)) throw googleError(400, 'Invalid JSON payload received.');
  const displayName = body.displayName;
  if (typeof displayName !== 'string' || displayName === '')
    throw googleError(400, 'BatchPredictionJob.display_name is required.');
  if (displayName.length > 128) throw googleError(400, 'BatchPredictionJob.display_name: at most 128 characters.');
  if (typeof body.model !== 'string' || body.model === '')
    throw googleError(400, 'BatchPredictionJob.model is required.');
  const input = isObject(body.inputConfig) ? body.inputConfig : undefined;
  if (!input) throw googleError(400, 'BatchPredictionJob.input_config is required.');
  if (input.instancesFormat !== 'jsonl')
    throw googleError(
      400,
      `input_config.instances_format "${String(input.instancesFormat)}" is not supported with a Cloud Storage source (use jsonl).`,
    );
  const uris = isObject(input.gcsSource) ? input.gcsSource.uris : undefined;
  if (!Array.isArray(uris) || uris.length === 0 || !uris.every((u) => typeof u === 'string'))
    throw googleError(400, 'input_config.gcs_source.uris: at least one gs:// URI is required.');
  const outputConfig = isObject(body.outputConfig) ? body.outputConfig : undefined;
  if (!outputConfig) throw googleError(400, 'BatchPredictionJob.output_config is required.');
  if (outputConfig.predictionsFormat !== 'jsonl')
    throw googleError(400, 'output_config.predictions_format must be jsonl with a Cloud Storage destination.');
  const prefix = isObject(outputConfig.gcsDestination) ? outputConfig.gcsDestination.outputUriPrefix : undefined;
  if (typeof prefix !== 'string')
    throw googleError(400, 'output_config.gcs_destination.output_uri_prefix is required.');
  for (const uri of uris) parseGsUri(uri, 'input_config.gcs_source.uris');
  return {
    displayName,
    modelPath: body.model,
    inputUris: uris,
    output: parseGsUri(prefix, 'output_config.gcs_destination.output_uri_prefix'),
  };
}

/** `display_name="x"` and `create_time>"2026-01-01T00:00:00Z"`, joined by AND: the filters we serve. */
export function parseJobFilter(filter: string | null): (job: { displayName: string; createdAtMs: number }) => boolean {
  if (!filter?.trim()) return () => true;
  const tests = filter.split(/\s+AND\s+/).map((term) => {
    const m = /^\s*(display_name|create_time)\s*(=|>|>=|<)\s*"([^"]*)"\s*$/.exec(term);
    if (!m) throw googleError(400, `Unsupported filter: ${term}`);
    const [, field, op, value] = m;
    if (field === 'display_name') {
      if (op !== '=') throw googleError(400, `Unsupported filter: ${term}`);
      return (j: { displayName: string }) => j.displayName === value;
    }
    const at = Date.parse(value);
    if (Number.isNaN(at)) throw googleError(400, `Invalid timestamp in filter: ${value}`);
    return (j: { createdAtMs: number }) =>
      op === '>' ? j.createdAtMs > at : op === '>=' ? j.createdAtMs >= at : j.createdAtMs < at;
  });
  return (job) => tests.every((t) => t(job));
}

export class VertexJobStore {
  private readonly jobs = new Map<string, VertexJob>();

  constructor(
    private readonly ledger: LedgerBook,
    private readonly gcs: GcsObjects,
  ) {}

  async create(parent: string, input: VertexJobInput, profile: Profile, rng: Rng, nowMs: number): Promise<VertexJob> {
    const model = vertexModelId(input.modelPath);
    if (!knownGeminiModel(model))
      throw googleError(
        404,
        `Publisher Model \`${parent}/publishers/google/models/${model}\` was not found or your project does not have access to it.`,
      );
    if (!(await this.gcs.bucketExists(input.output.bucket)))
      throw googleError(400, `The output bucket gs://${input.output.bucket} does not exist.`);
    const requests: InputLine[] = [];
    for (const uri of input.inputUris)
      requests.push(...parseInputLines((await this.gcs.read(uri)).toString('utf8'), uri));
    if (requests.length === 0) throw googleError(400, 'The batch input has no requests.');
    if (requests.length > MAX_GEMINI_BATCH_REQUESTS)
      throw googleError(400, `${requests.length} requests, more than the limit of ${MAX_GEMINI_BATCH_REQUESTS}.`);
    const keys = new Set<string>();
    for (const { key } of requests) {
      if (key === undefined) continue;
      if (keys.has(key)) throw googleError(400, `Duplicate key '${key}' in the batch input: keys must be unique.`);
      keys.add(key);
    }
    const { stalled, batchRng, fate } = drawBatchStart(rng, profile.batch, true, batchRejected);
    const rates = itemRatesOf(profile);
    const outcomes = new Uint8Array(requests.length);
    for (let i = 0; i < requests.length; i++) outcomes[i] = drawOutcome(rates, batchRng, requests[i].key ?? `#${i}`);
    const id = `${randomInt(1e9, 1e10 - 1)}${randomInt(1e8, 1e9 - 1)}`;
    const job: VertexJob = {
      name: `${parent}/batchPredictionJobs/${id}`,
      parent,
      displayName: input.displayName,
      modelPath: `publishers/google/models/${model}`,
      model,
      inputUris: input.inputUris,
      output: input.output,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
      pendingMs: profile.batch.validatingMs,
      runningMs: profile.batch.completionMs,
      fate,
      stalled,
      state: stalled ? 'JOB_STATE_QUEUED' : 'JOB_STATE_PENDING',
      requests,
      outcomes,
      count: requests.length,
      succeeded: 0,
      failed: 0,
    };
    this.jobs.set(job.name, job);
    this.ledger.countBatchCreated();
    return job;
  }

  /** By full name within `parent`; Vertex answers a job it does not know with 404. */
  async get(parent: string, id: string, nowMs: number): Promise<VertexJob> {
    const job = this.jobs.get(`${parent}/batchPredictionJobs/${id}`);
    if (!job) throw googleError(404, `The BatchPredictionJob does not exist: ${parent}/batchPredictionJobs/${id}`);
    this.advance(job, nowMs);
    await job.written;
    return job;
  }

  async cancel(parent: string, id: string, nowMs: number): Promise<void> {
    const job = await this.get(parent, id, nowMs);
    if (ENDED.has(job.state)) {
      if (job.state === 'JOB_STATE_CANCELLED') return;
      throw googleError(400, `Cannot cancel BatchPredictionJob ${job.name}: it is already ${job.state}.`);
    }
    this.ledger.countBatchCancelled();
    this.end(job, 'JOB_STATE_CANCELLED', nowMs, this.progress(job, nowMs));
    await job.written;
  }

  async delete(parent: string, id: string, nowMs: number): Promise<VertexJob> {
    const job = await this.get(parent, id, nowMs);
    if (!ENDED.has(job.state))
      throw googleError(400, `BatchPredictionJob ${job.name} is ${job.state}; cancel it before deleting it.`);
    this.jobs.delete(job.name);
    return job;
  }

  /** Newest first within `parent`, filtered; the page token is the next offset. */
  async list(parent: string, filter: string | null, pageSize: number, pageToken: string | undefined, nowMs: number) {
    const keep = parseJobFilter(filter);
    const all = [...this.jobs.values()].filter((j) => j.parent === parent && keep(j)).reverse();
    const page = pageOf(all, pageSize, pageToken);
    for (const job of page.data) this.advance(job, nowMs);
    for (const job of page.data) await job.written;
    return page;
  }

  spans(): Span[] {
    return spansOf(this.jobs.values());
  }

  advanceAll(nowMs: number): void {
    for (const job of this.jobs.values()) this.advance(job, nowMs);
  }

  clear(): void {
    this.jobs.clear();
  }

  private progress(job: VertexJob, now: number): number {
    if (job.state !== 'JOB_STATE_RUNNING') return 0;
    return processedBy(job.count, job.createdAtMs + job.pendingMs, job.runningMs, now);
  }

  private advance(job: VertexJob, now: number): void {
    if (ENDED.has(job.state) || job.stalled) return;
    const started = job.createdAtMs + job.pendingMs;
    if (now < started) return;
    if (job.state === 'JOB_STATE_PENDING') {
      job.state = 'JOB_STATE_RUNNING';
      job.updatedAtMs = started;
    }
    const at = started + job.runningMs;
    if (now < at) return;
    if (job.fate.kind === 'fail') this.end(job, 'JOB_STATE_FAILED', at, 0);
    else if (job.fate.kind === 'expire')
      this.end(job, 'JOB_STATE_EXPIRED', at, Math.floor(job.count * job.fate.fraction));
    else this.end(job, 'JOB_STATE_SUCCEEDED', at, job.count);
  }

  /** Answers the first `processed` requests, bills them, and writes predictions.jsonl. */
  private end(job: VertexJob, state: VertexJobState, at: number, processed: number): void {
    const requests = job.requests ?? [];
    const outcomes = job.outcomes ?? new Uint8Array(0);
    job.requests = undefined;
    job.outcomes = undefined;
    job.state = state;
    job.endedAtMs = at;
    job.updatedAtMs = at;
    if (state === 'JOB_STATE_FAILED') {
      // Counted as the OpenAI and Gemini sides count their failed batches.
      this.ledger.countBatchFailed();
      return;
    }
    const bill = new BillCollector();
    const responseId = lineIds('');
    const processedTime = new Date(at).toISOString();
    const lines: string[] = [];
    for (let i = 0; i < processed; i++) {
      const { key, request } = requests[i];
      const answer = answerBatchRequest(request, outcomes[i], responseId(i), job.model);
      const item = answer.item as { response?: unknown; error?: { code: number; message: string } };
      if (item.response) job.succeeded += 1;
      else job.failed += 1;
      lines.push(
        JSON.stringify({
          ...(key !== undefined ? { key } : {}),
          request,
          status: item.error ? vertexRowError(item.error) : '',
          ...(item.response ? { response: item.response } : {}),
          processed_time: processedTime,
        }) + '\n',
      );
      if (answer.billed)
        bill.add(answer.billed.input, answer.billed.output, answer.billed.hash, answer.billed.corrupted);
    }
    if (state === 'JOB_STATE_SUCCEEDED' && job.failed > 0) job.state = 'JOB_STATE_PARTIALLY_SUCCEEDED';
    this.ledger.billMany('batch', 'vertex', job.model, bill);
    const stamp = new Date(job.createdAtMs)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const dir = `${job.output.path ? `${job.output.path}/` : ''}prediction-model-${stamp}-${job.name.split('/').pop()}`;
    job.outputDirectory = `gs://${job.output.bucket}/${dir}`;
    job.written = this.gcs.write(job.output.bucket, `${dir}/predictions.jsonl`, Buffer.from(lines.join(''), 'utf8'));
    // A write that fails surfaces on the next read of the job; never as an unhandled rejection.
    job.written.catch(() => undefined);
  }

  /** The BatchPredictionJob resource as the REST API shows it. */
  toJson(job: VertexJob) {
    const iso = (ms: number) => new Date(ms).toISOString();
    const ended = ENDED.has(job.state);
    return {
      name: job.name,
      displayName: job.displayName,
      model: job.modelPath,
      inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: job.inputUris } },
      outputConfig: {
        predictionsFormat: 'jsonl',
        gcsDestination: { outputUriPrefix: `gs://${job.output.bucket}${job.output.path ? `/${job.output.path}` : ''}` },
      },
      state: job.state,
      ...(job.state === 'JOB_STATE_FAILED'
        ? { error: { code: 13, message: 'The batch prediction job failed (simulated provider failure).' } }
        : {}),
      ...(job.outputDirectory ? { outputInfo: { gcsOutputDirectory: job.outputDirectory } } : {}),
      ...(ended
        ? {
            completionStats: {
              successfulCount: String(job.succeeded),
              failedCount: String(job.failed),
              incompleteCount: String(job.count - job.succeeded - job.failed),
            },
          }
        : {}),
      createTime: iso(job.createdAtMs),
      ...(job.state !== 'JOB_STATE_PENDING' && job.state !== 'JOB_STATE_QUEUED'
        ? { startTime: iso(job.createdAtMs + job.pendingMs) }
        : {}),
      ...(job.endedAtMs !== undefined ? { endTime: iso(job.endedAtMs) } : {}),
      updateTime: iso(job.updatedAtMs),
    };
  }
}

const RPC_NAMES: Record<number, [number, string, string]> = {
  3: [400, 'INVALID_ARGUMENT', 'Bad Request'],
  8: [429, 'RESOURCE_EXHAUSTED', 'Too Many Requests'],
  13: [500, 'INTERNAL', 'Internal Server Error'],
};

/** A failed row's `status`: the HTTP reason and the API's error body, as Vertex writes it. */
export function vertexRowError(error: { code: number; message: string }): string {
  const [http, status, reason] = RPC_NAMES[error.code] ?? [500, 'INTERNAL', 'Internal Server Error'];
  return `${reason}: ${JSON.stringify({ error: { code: http, message: error.message, status } })}`;
}
