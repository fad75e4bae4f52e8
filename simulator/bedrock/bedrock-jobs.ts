// Bedrock's model invocation jobs. A job reads its JSONL input from S3 when it is created (fewer
// than 100 records, or more than 50,000, is refused as Bedrock refuses it), is Submitted, Validating
// then Scheduled for the profile's validatingMs (for ever when batch.stallRate drew it, until
// stopped), InProgress for completionMs, then Completed, PartiallyCompleted (some records failed),
// Failed or Expired by the profile's batch fate. A stop makes it Stopping, then Stopped, keeping the
// records processed by then. Records are billed to the ledger when the job ends, and the output is
// written to S3 as Bedrock writes it: `<output>/<jobId>/<input file>.out` with each record's answer or
// error, and `manifest.json.out` with the counts and token totals.
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
import { awsError, validation, type JobRecord } from './aws-answers';
import type { Span } from '../core/in-flight';
import { randomId } from '../core/ids';
import type { LedgerBook } from '../core/ledger';
import type { Profile } from '../core/profile';
import type { Rng } from '../core/random';
import { answerBody, bedrockRequestHash, bodyProblem, isClaudeModel, modelOutput } from './bedrock-model';
import type { JobObjects } from './job-objects';

export const MIN_JOB_RECORDS = 100;
export const MAX_JOB_RECORDS = 50_000;
const ACCOUNT = '123456789012';
const STOPPING_MS = 50;

export type JobStatus =
  | 'Submitted'
  | 'Validating'
  | 'Scheduled'
  | 'InProgress'
  | 'Completed'
  | 'PartiallyCompleted'
  | 'Failed'
  | 'Stopping'
  | 'Stopped'
  | 'Expired';

const ENDED = new Set<JobStatus>(['Completed', 'PartiallyCompleted', 'Failed', 'Stopped', 'Expired']);

export interface CreateJobParams {
  jobName: string;
  roleArn: string;
  clientRequestToken?: string;
  modelId: string;
  inputS3Uri: string;
  outputS3Uri: string;
  timeoutDurationInHours?: number;
}

interface Job extends CreateJobParams {
  jobArn: string;
  status: JobStatus;
  submitMs: number;
  updatedMs: number;
  endMs?: number;
  validatingMs: number;
  runningMs: number;
  fate: Fate;
  stalled: boolean;
  stopAtMs?: number;
  message?: string;
  records?: JobRecord[];
  outcomes?: Uint8Array;
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  /** The output's write to S3, started when the job ends: the job reads as ended once it is done. */
  writing?: Promise<void>;
  writeError?: string;
}

interface RecordAnswer {
  line: Record<string, unknown>;
  billed?: { input: number; output: number; hash: string; corrupted: boolean };
}

export class BedrockJobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly byToken = new Map<string, string>();

  constructor(
    private readonly ledger: LedgerBook,
    private readonly objects: () => JobObjects,
  ) {}

  /** Reads the input from S3 and creates the job; the same clientRequestToken gets the same job. */
  async create(params: CreateJobParams, profile: Profile, rng: Rng, nowMs: number): Promise<Job> {
    const earlier = params.clientRequestToken ? this.byToken.get(params.clientRequestToken) : undefined;
    if (earlier) return this.jobs.get(earlier)!;
    if ([...this.jobs.values()].some((j) => j.jobName === params.jobName))
      throw awsError(409, 'ConflictException', `A job with the name ${params.jobName} already exists.`);
    const records = await this.objects().readRecords(params.inputS3Uri);
    if (records.length < MIN_JOB_RECORDS)
      throw validation(
        `The input file has ${records.length} records; a batch inference job needs at least ${MIN_JOB_RECORDS}.`,
      );
    if (records.length > MAX_JOB_RECORDS)
      throw validation(`The input file has ${records.length} records, more than the limit of ${MAX_JOB_RECORDS}.`);
    // Another create with the same token may have finished while this one read S3.
    const raced = params.clientRequestToken ? this.byToken.get(params.clientRequestToken) : undefined;
    if (raced) return this.jobs.get(raced)!;
    const { stalled, batchRng, fate } = drawBatchStart(rng, profile.batch, true, () =>
      validation('The job was refused: simulated rejection (batch.rejectRate).'),
    );
    const rates = itemRatesOf(profile);
    const outcomes = new Uint8Array(records.length);
    for (let i = 0; i < records.length; i++) outcomes[i] = drawOutcome(rates, batchRng, records[i].recordId);
    const job: Job = {
      ...params,
      jobArn: `arn:aws:bedrock:us-east-1:${ACCOUNT}:model-invocation-job/${randomId('', 12).toLowerCase()}`,
      status: 'Submitted',
      submitMs: nowMs,
      updatedMs: nowMs,
      validatingMs: profile.batch.validatingMs,
      runningMs: profile.batch.completionMs,
      fate,
      stalled,
      records,
      outcomes,
      total: records.length,
      processed: 0,
      succeeded: 0,
      failed: 0,
    };
    this.jobs.set(job.jobArn, job);
    if (params.clientRequestToken) this.byToken.set(params.clientRequestToken, job.jobArn);
    this.ledger.countBatchCreated();
    return job;
  }

  /** By ARN or bare job id; brought up to date, its output written when it has ended. */
  async get(id: string, nowMs: number): Promise<Job> {
    const job = this.find(id);
    this.advance(job, nowMs);
    await job.writing;
    if (job.writeError)
      throw awsError(500, 'InternalServerException', `Writing the job's output failed: ${job.writeError}`);
    return job;
  }

  private find(id: string): Job {
    const job = this.jobs.get(id) ?? [...this.jobs.values()].find((j) => j.jobArn.endsWith(`/${id}`));
    if (!job) throw awsError(404, 'ResourceNotFoundException', `Could not find the model invocation job ${id}.`);
    return job;
  }

  async stop(id: string, nowMs: number): Promise<void> {
    const job = this.find(id);
    this.advance(job, nowMs);
    if (job.status === 'Stopping' || job.status === 'Stopped') return;
    if (ENDED.has(job.status))
      throw validation(`The job ${job.jobArn} has already ended (${job.status}) and cannot be stopped.`);
    this.ledger.countBatchCancelled();
    job.processed = this.progress(job, nowMs);
    job.status = 'Stopping';
    job.stopAtMs = nowMs;
    job.updatedMs = nowMs;
  }

  list(filter: { nameContains?: string; statusEquals?: string; after?: number; before?: number }, nowMs: number) {
    const jobs = [...this.jobs.values()].filter(
      (j) =>
        (!filter.nameContains || j.jobName.includes(filter.nameContains)) &&
        (filter.after === undefined || j.submitMs > filter.after) &&
        (filter.before === undefined || j.submitMs < filter.before),
    );
    for (const j of jobs) this.advance(j, nowMs);
    return jobs.filter((j) => !filter.statusEquals || j.status === filter.statusEquals).reverse();
  }

  spans(): Span[] {
    return [...this.jobs.values()].map((j) => ({ startMs: j.submitMs, endMs: j.endMs ?? Infinity }));
  }

  advanceAll(nowMs: number): void {
    for (const j of this.jobs.values()) this.advance(j, nowMs);
  }

  clear(): void {
    this.jobs.clear();
    this.byToken.clear();
  }

  private progress(job: Job, now: number): number {
    if (job.status !== 'InProgress') return job.processed;
    const started = job.submitMs + job.validatingMs;
    const share = job.runningMs === 0 ? 1 : Math.min(1, Math.max(0, (now - started) / job.runningMs));
    return Math.floor(job.total * share);
  }

  private advance(job: Job, now: number): void {
    if (ENDED.has(job.status)) return;
    if (job.status === 'Stopping') {
      if (now >= (job.stopAtMs ?? now) + STOPPING_MS) this.end(job, 'Stopped', now, job.processed);
      return;
    }
    const v = job.validatingMs;
    const since = now - job.submitMs;
    if (job.stalled || since < v) {
      const status: JobStatus =
        job.stalled || since >= (2 * v) / 3 ? 'Scheduled' : since >= v / 3 ? 'Validating' : 'Submitted';
      if (status !== job.status) {
        job.status = status;
        job.updatedMs = now;
      }
      return;
    }
    if (job.status !== 'InProgress') {
      job.status = 'InProgress';
      job.updatedMs = job.submitMs + v;
    }
    const at = job.submitMs + v + job.runningMs;
    if (now < at) return;
    if (job.fate.kind === 'fail') {
      job.message = 'The job failed (simulated provider failure).';
      this.end(job, 'Failed', at, 0);
    } else if (job.fate.kind === 'expire') this.end(job, 'Expired', at, Math.floor(job.total * job.fate.fraction));
    else this.end(job, 'Completed', at, job.total);
  }

  /** Answers the first `processed` records, bills them, and starts writing the output to S3. */
  private end(job: Job, status: JobStatus, at: number, processed: number): void {
    const records = job.records ?? [];
    const outcomes = job.outcomes ?? new Uint8Array(0);
    job.records = undefined;
    job.outcomes = undefined;
    job.endMs = at;
    job.updatedMs = at;
    job.processed = processed;
    const lines: Array<Record<string, unknown>> = [];
    const bill = new BillCollector();
    for (let i = 0; i < processed; i++) {
      const answer = this.answer(job, records[i], outcomes[i], i);
      lines.push(answer.line);
      if (answer.billed)
        bill.add(answer.billed.input, answer.billed.output, answer.billed.hash, answer.billed.corrupted);
    }
    job.succeeded = bill.count;
    job.failed = processed - bill.count;
    job.status = status === 'Completed' && job.failed > 0 ? 'PartiallyCompleted' : status;
    this.ledger.billMany('batch', 'bedrock', job.modelId, bill);
    if (status === 'Failed') {
      // Counted as the other providers' failed batches are.
      this.ledger.countBatchFailed();
      return;
    }
    const manifest = {
      totalRecordCount: job.total,
      processedRecordCount: processed,
      successRecordCount: job.succeeded,
      errorRecordCount: job.failed,
      inputTokenCount: bill.inputTokens,
      outputTokenCount: bill.outputTokens,
    };
    job.writing = this.objects()
      .writeOutput(job.outputS3Uri, job.jobArn, job.inputS3Uri, lines, manifest)
      .catch((error: unknown) => {
        job.writeError = error instanceof Error ? error.message : String(error);
      });
  }

  private answer(job: Job, record: JobRecord, outcome: Outcome, index: number): RecordAnswer {
    const fail = (errorCode: number, errorMessage: string): RecordAnswer => ({
      line: { recordId: record.recordId, modelInput: record.modelInput, error: { errorCode, errorMessage } },
    });
    const format = isClaudeModel(job.modelId) ? 'claude' : 'converse';
    const problem = bodyProblem(record.modelInput, format);
    if (problem) return fail(400, problem);
    if (isFailure(outcome)) {
      if (outcome === Outcome.Permanent)
        return fail(
          400,
          'Malformed input request (simulated permanent failure): it will fail the same way if retried.',
        );
      return outcome === Outcome.Retryable429
        ? fail(429, 'Too many requests, please wait before trying again (simulated).')
        : fail(500, 'The model returned an internal error (simulated). Please retry.');
    }
    const body = record.modelInput as Record<string, unknown>;
    const hash = bedrockRequestHash(job.modelId, body, format);
    const corruption = corruptionOf(outcome);
    const answer = answerBody(body, format, corruption, hash);
    const id = `msg_bdrk_${job.jobArn.slice(-12)}${String(index).padStart(6, '0')}`;
    return {
      line: {
        recordId: record.recordId,
        modelInput: record.modelInput,
        modelOutput: modelOutput(job.modelId, answer, id),
      },
      billed: { input: answer.inputTokens, output: answer.outputTokens, hash, corrupted: corruption !== 'none' },
    };
  }

  /** GetModelInvocationJob's answer. */
  toJson(job: Job) {
    const iso = (ms: number) => new Date(ms).toISOString();
    const ended = ENDED.has(job.status);
    return {
      jobArn: job.jobArn,
      jobName: job.jobName,
      modelId: job.modelId,
      ...(job.clientRequestToken ? { clientRequestToken: job.clientRequestToken } : {}),
      roleArn: job.roleArn,
      status: job.status,
      ...(job.message ? { message: job.message } : {}),
      submitTime: iso(job.submitMs),
      lastModifiedTime: iso(job.updatedMs),
      ...(job.endMs !== undefined ? { endTime: iso(job.endMs) } : {}),
      inputDataConfig: { s3InputDataConfig: { s3Uri: job.inputS3Uri, s3InputFormat: 'JSONL' } },
      outputDataConfig: { s3OutputDataConfig: { s3Uri: job.outputS3Uri } },
      timeoutDurationInHours: job.timeoutDurationInHours ?? 24,
      jobExpirationTime: iso(job.submitMs + (job.timeoutDurationInHours ?? 24) * 3_600_000),
      totalRecordCount: job.total,
      processedRecordCount: ended || job.status === 'Stopping' ? job.processed : 0,
      successRecordCount: job.succeeded,
      errorRecordCount: job.failed,
    };
  }
}
