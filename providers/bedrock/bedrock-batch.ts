// AWS Bedrock batch inference over the official AWS SDK v3. A chunk is written to S3 as JSONL of
// `{recordId, modelInput}` (the model's own body, bedrock-body.ts) under the spec's bucket/prefix,
// then one model invocation job reads it as the spec's service role and writes
// `<output>/<jobId>/<input file>.out` (answers matched back by recordId, each record's error in
// place) and `manifest.json.out` beside it. The sync lane is Converse.
//
// Exactly once: the job's name is derived from the idempotency key and its clientRequestToken too,
// so a create sent again after a lost answer gets the same job back, and a later attempt finds it
// by name (ListModelInvocationJobs nameContains) before creating anything.
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import {
  CreateModelInvocationJobCommand,
  GetModelInvocationJobCommand,
  ListModelInvocationJobsCommand,
  StopModelInvocationJobCommand,
  type GetModelInvocationJobResponse,
} from '@aws-sdk/client-bedrock';
import { ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { chatRequestOnly, type BedrockSpec, type JsonSchema } from '../../common';
import { withBatchFile } from '../core/batch-file';
import { ProviderConfigError } from '../core/family';
import type {
  BatchProvider,
  BatchRequest,
  CreateOptions,
  FindHint,
  ItemResult,
  ProviderBatch,
  ReportedUsage,
} from '../core/types';
import { awsClients, keyUnder, parseS3Uri, type AwsClients } from './aws-clients';
import {
  BEDROCK_STATUS,
  converseParams,
  modelInputOf,
  parseConverse,
  parseOutputRecord,
  type JobManifest,
  type OutputRecord,
} from './bedrock-body';
import { awsCall, isAwsServiceError } from './bedrock-errors';
import type { BedrockSettings } from '../../common/config';

/** The input file's name inside the job's folder; the output is this name plus `.out`. */
export const INPUT_FILE = 'records.jsonl';

/** `llmbatch-<hash>`: a job name (63 characters at most, [a-zA-Z0-9-]) that only this key makes. */
export function jobNameOf(idempotencyKey: string): string {
  return `llmbatch-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

/** The clientRequestToken of the key's create: the same create sent again is the same job. */
export function requestTokenOf(idempotencyKey: string): string {
  return createHash('sha256').update(`token:${idempotencyKey}`).digest('hex').slice(0, 64);
}

/** `arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123` -> `abc123`. */
export function jobIdOf(jobArn: string): string {
  return jobArn.slice(jobArn.lastIndexOf('/') + 1);
}

/** Where the job writes a given input file's answers: `<output prefix>/<jobId>/<file>.out`. */
export function outputUriOf(outputS3Uri: string, jobArn: string, inputS3Uri: string): string {
  const file = inputS3Uri.slice(inputS3Uri.lastIndexOf('/') + 1);
  return `${outputS3Uri.replace(/\/+$/, '')}/${jobIdOf(jobArn)}/${file}.out`;
}

export function toProviderBatch(job: GetModelInvocationJobResponse): ProviderBatch {
  const status = BEDROCK_STATUS[job.status ?? 'Submitted'] ?? 'in_progress';
  const input = job.inputDataConfig?.s3InputDataConfig?.s3Uri;
  const output = job.outputDataConfig?.s3OutputDataConfig?.s3Uri;
  const jobArn = job.jobArn ?? '';
  const ended = ['completed', 'failed', 'expired', 'cancelled'].includes(status);
  return {
    id: jobArn,
    status,
    ...(input && output ? { outputFileId: outputUriOf(output, jobArn, input) } : {}),
    counts: {
      total: job.totalRecordCount ?? 0,
      completed: job.successRecordCount ?? 0,
      failed: job.errorRecordCount ?? 0,
    },
    errors: status === 'failed' && job.message ? [job.message] : [],
    createdAtMs: job.submitTime?.getTime() ?? 0,
    ...(ended && job.endTime ? { endedAtMs: job.endTime.getTime() } : {}),
    metadata: { ...(job.jobName ? { jobName: job.jobName } : {}), ...(job.modelId ? { model: job.modelId } : {}) },
  };
}

export interface BedrockProviderOptions {
  /** Where a manifest that disagrees with its records is reported. */
  log?: (message: string) => void;
}

export class BedrockBatchProvider implements BatchProvider {
  readonly clients: AwsClients;

  constructor(
    readonly name: string,
    settings: Partial<BedrockSettings> = {},
    private readonly options: BedrockProviderOptions = {},
  ) {
    this.clients = awsClients(settings);
  }

  private log(message: string): void {
    (this.options.log ?? console.warn)(message);
  }

  async findBatch(idempotencyKey: string, hint: FindHint): Promise<ProviderBatch | undefined> {
    const name = jobNameOf(idempotencyKey);
    // Job names are unique in an account and region: at most one job answers to this one.
    const after = new Date(Math.max(0, hint.createdAfterMs - 10 * 60_000));
    let nextToken: string | undefined;
    do {
      const page = await awsCall(() =>
        this.clients.bedrock.send(
          new ListModelInvocationJobsCommand({
            nameContains: name,
            submitTimeAfter: after,
            maxResults: 100,
            nextToken,
          }),
        ),
      );
      const job = (page.invocationJobSummaries ?? []).find((j) => j.jobName === name && j.jobArn);
      if (job?.jobArn && !hint.claimed.has(job.jobArn)) return this.getBatch(job.jobArn);
      nextToken = page.nextToken;
    } while (nextToken);
    return undefined;
  }

  async createBatch(
    requests: AsyncIterable<BatchRequest>,
    schema: JsonSchema | undefined,
    idempotencyKey: string,
    _metadata: Record<string, string>,
    options?: CreateOptions,
  ): Promise<ProviderBatch> {
    const target = options?.bedrock;
    if (!target)
      throw new ProviderConfigError(
        'provider "bedrock" needs the spec\'s `bedrock: { bucket, prefix, roleArn }` (where its jobs read and write, and the role they run as)',
      );
    const name = jobNameOf(idempotencyKey);
    const inputKey = keyUnder(target.prefix, name, INPUT_FILE);
    // One model per job: the first request's (a chunk is cut per model).
    let model: string | undefined;
    let count = 0;
    const toLine = (r: BatchRequest) => {
      const m = chatRequestOnly(r.request, 'bedrock').model;
      model ??= m;
      if (m !== model) throw new Error(`one Bedrock job cannot mix models ${model} and ${m}`);
      count += 1;
      return JSON.stringify({ recordId: r.customId, modelInput: modelInputOf(r.request, schema) });
    };
    await withBatchFile(requests, toLine, (file) => {
      if (count === 0) throw new Error('a Bedrock job needs at least one record');
      return this.putInput(target, inputKey, file);
    });
    const created = await awsCall(() =>
      this.clients.bedrock.send(
        new CreateModelInvocationJobCommand({
          jobName: name,
          clientRequestToken: requestTokenOf(idempotencyKey),
          roleArn: target.roleArn,
          modelId: model,
          inputDataConfig: {
            s3InputDataConfig: { s3Uri: `s3://${target.bucket}/${inputKey}`, s3InputFormat: 'JSONL' },
          },
          outputDataConfig: {
            s3OutputDataConfig: { s3Uri: `s3://${target.bucket}/${keyUnder(target.prefix, name, 'output')}/` },
          },
        }),
      ),
    );
    return this.getBatch(created.jobArn ?? '');
  }

  private async putInput(target: BedrockSpec, key: string, file: Blob): Promise<void> {
    await awsCall(() =>
      this.clients.s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: key,
          // Streamed from the temporary file: a 1 GB input is never held in memory.
          Body: Readable.fromWeb(file.stream()),
          ContentLength: file.size,
          ContentType: 'application/jsonl',
        }),
      ),
    );
  }

  async getBatch(batchId: string): Promise<ProviderBatch> {
    const job = await awsCall(() =>
      this.clients.bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier: batchId })),
    );
    return toProviderBatch(job);
  }

  async cancelBatch(batchId: string): Promise<ProviderBatch> {
    const before = await this.getBatch(batchId);
    if (before.status === 'validating' || before.status === 'in_progress') {
      await awsCall(() => this.clients.bedrock.send(new StopModelInvocationJobCommand({ jobIdentifier: batchId })));
      const after = await this.getBatch(batchId);
      // Stopping may not show yet: the stop was accepted, so it is on its way to Stopped.
      return after.status === 'validating' || after.status === 'in_progress'
        ? { ...after, status: 'cancelling' }
        : after;
    }
    return before;
  }

  /** An S3 object as lines, or nothing when it does not exist (a job stopped before it wrote any). */
  private async *objectLines(uri: string): AsyncIterable<string> {
    const { bucket, key } = parseS3Uri(uri);
    const object = await awsCall(() => this.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).catch(
      (error: unknown) => {
        if (isAwsServiceError(error) && (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404))
          return undefined;
        throw error;
      },
    );
    if (!object?.Body) return;
    yield* createInterface({ input: object.Body as Readable, crlfDelay: Infinity });
  }

  async *readResults(batch: ProviderBatch): AsyncIterable<ItemResult> {
    if (!['completed', 'expired', 'cancelled'].includes(batch.status) || !batch.outputFileId) return;
    const model = batch.metadata.model ?? '';
    const sums = { input: 0, output: 0 };
    for await (const line of this.objectLines(batch.outputFileId)) {
      if (!line.trim()) continue;
      const result = parseOutputRecord(JSON.parse(line) as OutputRecord, model);
      if (!result) continue;
      sums.input +=
        (result.usage?.inputTokens ?? 0) + (result.usage?.cacheReadTokens ?? 0) + (result.usage?.cacheWriteTokens ?? 0);
      sums.output += result.usage?.outputTokens ?? 0;
      yield result;
    }
    // Each item is priced by its own record's usage; the manifest's totals are the job's bill.
    const manifest = await this.readManifest(batch);
    if (manifest && (manifest.inputTokenCount !== sums.input || manifest.outputTokenCount !== sums.output))
      this.log(
        `bedrock job ${batch.id}: manifest.json.out bills ${manifest.inputTokenCount} input / ${manifest.outputTokenCount} output tokens, its records ${sums.input} / ${sums.output}`,
      );
  }

  /** The manifest's token totals: the job's bill (its input count includes cache reads and writes). */
  async reportedUsage(batch: ProviderBatch): Promise<ReportedUsage | undefined> {
    const manifest = await this.readManifest(batch);
    if (manifest?.inputTokenCount === undefined || manifest.outputTokenCount === undefined) return undefined;
    return { promptTokens: manifest.inputTokenCount, outputTokens: manifest.outputTokenCount };
  }

  /** The job's `manifest.json.out` (record and token counts), when it has written one. */
  async readManifest(batch: ProviderBatch): Promise<JobManifest | undefined> {
    if (!batch.outputFileId) return undefined;
    const uri = `${batch.outputFileId.slice(0, batch.outputFileId.lastIndexOf('/'))}/manifest.json.out`;
    let text = '';
    for await (const line of this.objectLines(uri)) text += line;
    return text ? (JSON.parse(text) as JobManifest) : undefined;
  }

  async callSync(request: BatchRequest, schema: JsonSchema | undefined, signal?: AbortSignal): Promise<ItemResult> {
    const response = await awsCall(
      () =>
        this.clients.runtime.send(new ConverseCommand(converseParams(request.request, schema)), {
          abortSignal: signal,
        }),
      signal,
    );
    return parseConverse(request.customId, response);
  }
}
