// Vertex AI batch prediction for Gemini models, over the official `@google/genai` SDK in Vertex mode
// (`vertexai: true`, a project and a location; Application Default Credentials) and Cloud Storage
// through `@google-cloud/storage`. A chunk becomes one JSONL object of `{key, request}` lines under
// the bucket (`<bucket prefix>/llmbatch/<idempotency key>/input.jsonl`, the same path on a retry, so
// a retried upload rewrites the same bytes); the job writes predictions.jsonl files under the output
// directory it reports, one line per request with its key, read back and matched by key.
//
// Vertex's create takes no labels through the SDK: the idempotency key rides in the display name
// (with the request count), and a job whose create response was lost is found by listing the
// project's jobs created since the chunk's intent was recorded and matching the name.
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { Storage } from '@google-cloud/storage';
import { chatRequestOnly, type JsonSchema } from '../../common';
import { withBatchFile } from '../core/batch-file';
import type { BatchProvider, BatchRequest, BatchStatus, FindHint, ItemResult, ProviderBatch } from '../core/types';
import {
  GEMINI_STATUS,
  displayNameOf,
  generateSync,
  inlinedRequest,
  parseDisplayName,
  parseGeminiResult,
  restRequestOf,
} from './gemini-batch';
import { geminiCall } from './gemini-errors';
import { GenaiJobProvider, GenaiJobs, genaiHttpOptions, jobRecordOf } from './genai-jobs';
import { GoogleGenAI, JobState, type BatchJob, type GenerateContentResponse, type JobError } from './genai';

export interface VertexConfig {
  project: string;
  location: string;
  /** gs://bucket or gs://bucket/prefix: where inputs go and Vertex writes its predictions. */
  bucket: string;
  /** Another Vertex AI endpoint (the simulator), without the API version. */
  baseURL?: string;
  /** The ADC file (GOOGLE_APPLICATION_CREDENTIALS); the ADC search when absent. */
  keyFilename?: string;
  /** Cloud Storage's endpoint (an emulator); Google's when absent. */
  storageEndpoint?: string;
  /** Kept below the activities' startToCloseTimeout. */
  timeoutMs?: number;
}

/**
 * Where Vertex's JobState puts a job in our lifecycle: Gemini's table, except PAUSED, which at
 * Vertex is a job not running (held for capacity or by its owner), so the stalled-batch watchdog
 * (poll.startDeadline) watches it like QUEUED and PENDING. PARTIALLY_SUCCEEDED is `completed`:
 * what succeeded is collected, the failed rows go on to strike 2 by their own errors.
 */
export const VERTEX_STATUS: Record<string, BatchStatus> = {
  ...GEMINI_STATUS,
  [JobState.JOB_STATE_PAUSED]: 'validating',
};

function toProviderBatch(job: BatchJob, cancelRequested = false): ProviderBatch {
  let status = VERTEX_STATUS[job.state ?? JobState.JOB_STATE_PENDING] ?? 'in_progress';
  if (cancelRequested && (status === 'validating' || status === 'in_progress')) status = 'cancelling';
  const named = parseDisplayName(job.displayName);
  const stats = job.completionStats;
  const completed = Number(stats?.successfulCount ?? 0);
  const failed = Number(stats?.failedCount ?? 0);
  return {
    id: job.name ?? '',
    status,
    ...(job.outputInfo?.gcsOutputDirectory ? { outputFileId: job.outputInfo.gcsOutputDirectory } : {}),
    counts: { total: named?.requests ?? completed + failed + Number(stats?.incompleteCount ?? 0), completed, failed },
    ...jobRecordOf(job, status, named),
  };
}

/** `{bucket, prefix}` of gs://bucket[/prefix]. */
export function splitGsUri(uri: string): { bucket: string; prefix: string } {
  const match = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not a Cloud Storage URI: ${uri}`);
  return { bucket: match[1], prefix: match[2].replace(/\/+$/, '') };
}

/**
 * A failed row's `status` (`Bad Request: {"error": {...}}`, or plain text) as the google.rpc.Status
 * the Gemini result parser classifies: the API's own error body when the text carries one.
 */
export function rowError(status: string): JobError & { status?: string } {
  const at = status.indexOf('{');
  if (at >= 0) {
    try {
      const body = JSON.parse(status.slice(at)) as { error?: { code?: number; message?: string; status?: string } };
      if (body.error)
        return { code: body.error.code, message: body.error.message ?? status, status: body.error.status };
    } catch {
      // not JSON after all: the text is the message
    }
  }
  return { message: status };
}

interface PredictionRow {
  key?: string;
  status?: string;
  response?: GenerateContentResponse;
}

export class VertexBatchProvider extends GenaiJobProvider implements BatchProvider {
  readonly client: GoogleGenAI;
  protected readonly jobs: GenaiJobs;
  private readonly storage: Storage;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(
    readonly name: string,
    config: VertexConfig,
  ) {
    super();
    ({ bucket: this.bucket, prefix: this.prefix } = splitGsUri(config.bucket));
    this.client = new GoogleGenAI({
      vertexai: true,
      project: config.project,
      location: config.location,
      ...(config.keyFilename ? { googleAuthOptions: { keyFilename: config.keyFilename } } : {}),
      httpOptions: genaiHttpOptions(config),
    });
    this.jobs = new GenaiJobs(this.client, toProviderBatch);
    // Cloud Storage finds its credentials by the ADC search itself (GOOGLE_APPLICATION_CREDENTIALS
    // included; its auth library deprecates passing the file), and an emulator needs none.
    this.storage = new Storage({
      projectId: config.project,
      ...(config.storageEndpoint ? { apiEndpoint: config.storageEndpoint } : {}),
      retryOptions: { autoRetry: false },
    });
  }

  /** The chunk's folder in the bucket, from its idempotency key (the same on every retry). */
  private folderOf(idempotencyKey: string): string {
    const safe = idempotencyKey.replace(/[^A-Za-z0-9._/-]/g, '_');
    return `${this.prefix ? `${this.prefix}/` : ''}llmbatch/${safe}`;
  }

  async findBatch(idempotencyKey: string, hint: FindHint): Promise<ProviderBatch | undefined> {
    return this.jobs.find(idempotencyKey, hint, (floorMs) => `create_time>"${new Date(floorMs).toISOString()}"`);
  }

  async createBatch(
    requests: AsyncIterable<BatchRequest>,
    schema: JsonSchema | undefined,
    idempotencyKey: string,
  ): Promise<ProviderBatch> {
    let model: string | undefined;
    let count = 0;
    const toLine = (r: BatchRequest) => {
      const m = chatRequestOnly(r.request, 'vertex').model;
      model ??= m;
      if (m !== model) throw new Error(`one Vertex AI batch job cannot mix models ${model} and ${m}`);
      count += 1;
      return JSON.stringify({ key: r.customId, request: restRequestOf(inlinedRequest(r, schema)) });
    };
    const folder = this.folderOf(idempotencyKey);
    await withBatchFile(requests, toLine, async (contents) => {
      const file = this.storage.bucket(this.bucket).file(`${folder}/input.jsonl`);
      const upload = file.createWriteStream({ resumable: false, contentType: 'application/jsonl' });
      await new Promise<void>((resolve, reject) => {
        Readable.fromWeb(contents.stream()).on('error', reject).pipe(upload).on('error', reject).on('finish', resolve);
      });
    });
    if (!model || count === 0) throw new Error('a Vertex AI batch job needs at least one request');
    const batchModel = model;
    const job = await geminiCall(() =>
      this.client.batches.create({
        model: batchModel,
        src: `gs://${this.bucket}/${folder}/input.jsonl`,
        config: { displayName: displayNameOf(idempotencyKey, count), dest: `gs://${this.bucket}/${folder}/output` },
      }),
    );
    return toProviderBatch(job);
  }

  async *readResults(batch: ProviderBatch): AsyncIterable<ItemResult> {
    const job = await this.readableJob(batch);
    const directory = job?.outputInfo?.gcsOutputDirectory;
    if (!directory) return;
    const { bucket, prefix } = splitGsUri(directory);
    const [files] = await this.storage.bucket(bucket).getFiles({ prefix: `${prefix}/` });
    for (const file of files.filter((f) => f.name.endsWith('.jsonl'))) {
      const lines = createInterface({ input: file.createReadStream(), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!line.trim()) continue;
        const row = JSON.parse(line) as PredictionRow;
        if (!row.key) continue;
        yield row.status
          ? parseGeminiResult(row.key, undefined, rowError(row.status))
          : parseGeminiResult(row.key, row.response, undefined);
      }
    }
  }

  async callSync(request: BatchRequest, schema: JsonSchema | undefined, signal?: AbortSignal): Promise<ItemResult> {
    return generateSync(this.client, request, schema, signal);
  }
}
