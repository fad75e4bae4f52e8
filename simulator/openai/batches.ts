// The Batch API's state machine. The wall clock drives it, lazily: every read first moves a batch
// to where the clock says it should be (validating -> in_progress -> finalizing -> completed, or
// failed / expired / cancelling -> cancelled). Transition times come from the profile snapshot
// taken at creation, so a profile change never rewrites a running batch. The CPU work (parsing and
// answering each line as it is parsed) runs in background slices, and a transition also waits for
// it: a huge batch on a slow machine takes longer than its profile says rather than freezing the
// server in one request.
import type { Span } from '../core/in-flight';
import { BatchInputParser, MAX_BATCH_FILE_BYTES, type BatchLineError } from './batch-input';
import { drawBatchStart, failurePrefix, itemRatesOf, type Fate, type ItemRates } from '../core/batch-results';
import { ResultProducer } from './openai-batch-results';
import { SlicedTask } from '../core/background';
import { ApiError, batchRejected, invalidRequest, notFound } from '../core/errors';
import type { FileStore } from './files';
import { unixSeconds } from '../core/http-util';
import { randomId } from '../core/ids';
import type { LedgerBook, Provider } from '../core/ledger';
import type { Profile } from '../core/profile';
import type { Rng } from '../core/random';

export const BATCH_ENDPOINTS = ['/v1/chat/completions', '/v1/embeddings'];
/** Azure OpenAI's batch endpoints drop the version prefix (its lines say `"url": "/chat/completions"`). */
export const AZURE_BATCH_ENDPOINTS = ['/chat/completions', '/embeddings', ...BATCH_ENDPOINTS];
const COMPLETION_WINDOW_SEC = 24 * 3600;
const FINAL = new Set<BatchStatus>(['completed', 'failed', 'expired', 'cancelled']);

export type BatchStatus =
  'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

type Stamp =
  'in_progress_at' | 'finalizing_at' | 'completed_at' | 'failed_at' | 'expired_at' | 'cancelling_at' | 'cancelled_at';

/** A batch's own fate, drawn once at creation. */

/**
 * The CPU side of a batch: parse the input and answer each line as it is parsed (in the
 * background). Answers are drawn and produced speculatively during `validating`; if the file turns
 * out invalid they are thrown away with it.
 */
interface Work {
  parser: BatchInputParser;
  producer: ResultProducer;
  task: SlicedTask;
  /** Set once the input parsed cleanly. */
  items?: { count: number; failedBefore: Uint32Array };
  /** Set when the input was invalid. */
  invalid?: BatchLineError[];
  /** When the background finished parsing (and so answering: the two go together). */
  parsedAt?: number;
}

interface BatchRecord {
  id: string;
  provider: Provider;
  endpoint: string;
  inputFileId: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
  createdAtMs: number;
  timing: { validatingMs: number; completionMs: number; finalizingMs: number };
  rates: ItemRates;
  fate: Fate;
  rng: Rng;
  status: BatchStatus;
  stamps: Partial<Record<Stamp, number>>;
  /** Dropped once the batch has produced its files (or failed): only counts and ids stay. */
  work?: Work;
  model?: string;
  errors?: BatchLineError[];
  /** Items processed when processing stopped early (expiry or cancel). */
  stoppedAt?: number;
  /** batch.stallRate drew it: it stays `validating` until it is cancelled. */
  stalled?: boolean;
  outputFileId?: string;
  errorFileId?: string;
  counts?: { total: number; completed: number; failed: number };
  usage?: { input: number; output: number };
}

export interface CreateBatchParams {
  input_file_id?: unknown;
  endpoint?: unknown;
  completion_window?: unknown;
  metadata?: unknown;
}

export class BatchStore {
  private readonly batches = new Map<string, BatchRecord>();
  /** Told once when a batch reaches a final status, with the time the clock says it got there (webhooks). */
  onFinal?: (batch: { id: string; provider: Provider; status: BatchStatus }, atMs: number) => void;

  constructor(
    private readonly files: FileStore,
    private readonly ledger: LedgerBook,
  ) {}

  create(
    params: CreateBatchParams,
    profile: Profile,
    rng: Rng,
    nowMs: number,
    provider: Provider = 'openai',
  ): BatchRecord {
    const { input_file_id: fileId, endpoint, completion_window: window } = params;
    if (typeof fileId !== 'string' || fileId === '')
      throw invalidRequest(
        "Missing required parameter: 'input_file_id'.",
        'input_file_id',
        'missing_required_parameter',
      );
    if (typeof endpoint !== 'string' || endpoint === '')
      throw invalidRequest("Missing required parameter: 'endpoint'.", 'endpoint', 'missing_required_parameter');
    const endpoints = provider === 'azure' ? AZURE_BATCH_ENDPOINTS : BATCH_ENDPOINTS;
    if (!endpoints.includes(endpoint))
      throw invalidRequest(
        `Invalid value for 'endpoint': the simulator supports ${endpoints.join(', ')}.`,
        'endpoint',
        'invalid_value',
      );
    if (window !== '24h')
      throw invalidRequest(
        "Invalid value for 'completion_window': only '24h' is supported.",
        'completion_window',
        'invalid_value',
      );
    const metadata = validateMetadata(params.metadata);
    if (!this.files.has(fileId)) throw notFound(`No such File object: ${fileId}`, 'input_file_id');
    const file = this.files.get(fileId);
    if (file.purpose !== 'batch')
      throw invalidRequest(
        `The input file must have purpose 'batch', not '${file.purpose}'.`,
        'input_file_id',
        'invalid_value',
      );
    if (file.bytes > MAX_BATCH_FILE_BYTES)
      throw invalidRequest(
        `The input file is larger than ${MAX_BATCH_FILE_BYTES} bytes.`,
        'input_file_id',
        'invalid_value',
      );

    // A valid create the provider still refuses: nothing is created or billed.
    const { stalled, batchRng, fate } = drawBatchStart(rng, profile.batch, true, batchRejected);

    const { validatingMs, completionMs } = profile.batch;
    const record: BatchRecord = {
      id: randomId('batch_', 24),
      provider,
      endpoint,
      inputFileId: fileId,
      completionWindow: window,
      metadata,
      createdAtMs: nowMs,
      // "Briefly": a tenth of the processing time, capped, so finalizing is observable but cheap.
      timing: { validatingMs, completionMs, finalizingMs: Math.min(50, Math.round(completionMs / 10)) },
      rates: itemRatesOf(profile),
      fate,
      rng: batchRng,
      status: 'validating',
      stamps: {},
      ...(stalled ? { stalled } : {}),
    };
    // The file's chunks are captured now (not copied): deleting the file later does not change the batch.
    const producer = new ResultProducer(endpoint, record.rates, batchRng);
    // A batch fated to fail needs no answers (and the parser stops handing over lines once the file is bad).
    if (fate.kind === 'fail') producer.limit = 0;
    const parser = new BatchInputParser(file.chunks, file.bytes, endpoint, (line, index) =>
      producer.accept(line, index),
    );
    const work: Work = { parser, producer, task: new SlicedTask((deadline) => this.work(record, work, deadline)) };
    record.work = work;
    work.task.start();
    this.batches.set(record.id, record);
    this.ledger.countBatchCreated();
    return record;
  }

  get(id: string, nowMs: number): BatchRecord {
    const b = this.batches.get(id);
    if (!b) throw notFound(`No batch found with id '${id}'.`, 'batch_id');
    this.advance(b, nowMs);
    return b;
  }

  cancel(id: string, nowMs: number): BatchRecord {
    const b = this.get(id, nowMs);
    switch (b.status) {
      case 'validating':
        b.stoppedAt = 0;
        if (b.work) b.work.producer.limit = 0;
        break;
      case 'in_progress':
        b.stoppedAt = this.progress(b, nowMs);
        break;
      case 'finalizing': // every request already ran; the batch will complete
      case 'cancelling':
      case 'cancelled':
        return b;
      default:
        throw new ApiError(
          400,
          `Cannot cancel a batch with status '${b.status}'.`,
          'invalid_request_error',
          'batch_id',
          'batch_not_cancellable',
        );
    }
    b.status = 'cancelling';
    b.stamps.cancelling_at = nowMs;
    b.work?.task.stop(); // nothing past the cancel point will run
    this.ledger.countBatchCancelled(); // only here: a repeated cancel returned above
    return b;
  }

  /** Newest first; `after` is the id of the last batch of the previous page. */
  list(after: string | undefined, limit: number, nowMs: number): { data: BatchRecord[]; hasMore: boolean } {
    const all = [...this.batches.values()].reverse();
    let start = 0;
    if (after) {
      const at = all.findIndex((b) => b.id === after);
      start = at < 0 ? all.length : at + 1;
    }
    const data = all.slice(start, start + limit);
    for (const b of data) this.advance(b, nowMs);
    return { data, hasMore: start + limit < all.length };
  }

  /** When a batch began and ended (ms), once it has ended: what a benchmark times the client against. */
  timeline(id: string, nowMs: number): { createdAtMs: number; endedAtMs: number; status: BatchStatus } | undefined {
    const b = this.batches.get(id);
    if (!b) return undefined;
    this.advance(b, nowMs);
    const endedAtMs = b.stamps[`${b.status}_at` as Stamp];
    if (!FINAL.has(b.status) || endedAtMs === undefined) return undefined;
    return { createdAtMs: b.createdAtMs, endedAtMs, status: b.status };
  }

  /** Brings every batch up to date, so the ledger bills what finished even if nobody polled it. */
  advanceAll(nowMs: number): void {
    for (const b of this.batches.values()) this.advance(b, nowMs);
  }

  /** When each batch was in flight (call advanceAll first). */
  spans(): Span[] {
    return [...this.batches.values()].map((b) => ({
      startMs: b.createdAtMs,
      endMs: FINAL.has(b.status) ? (b.stamps[`${b.status}_at` as Stamp] ?? Infinity) : Infinity,
    }));
  }

  /** Batches not yet in a final state (after bringing them up to date). */
  pending(nowMs: number): number {
    this.advanceAll(nowMs);
    let n = 0;
    for (const b of this.batches.values()) if (!FINAL.has(b.status)) n += 1;
    return n;
  }

  /** Stops background work (server closing); a later read still finishes a batch, synchronously. */
  stopBackground(): void {
    for (const b of this.batches.values()) b.work?.task.stop();
  }

  /** Forgets every batch and stops their background work. */
  clear(): void {
    for (const b of this.batches.values()) b.work?.task.stop();
    this.batches.clear();
  }

  private advance(b: BatchRecord, now: number): void {
    if (FINAL.has(b.status)) return;
    this.step(b, now);
    if (!FINAL.has(b.status)) return;
    const stamp = b.stamps[`${b.status}_at` as Stamp];
    this.onFinal?.(b, stamp ?? now);
  }

  private step(b: BatchRecord, now: number): void {
    for (;;) {
      switch (b.status) {
        case 'validating': {
          // Validation lasts validatingMs, or as long as parsing really takes (a huge file on a
          // slow machine): the batch waits for its background work instead of freezing the server.
          if (b.stalled) return;
          const parsedAt = b.work?.parsedAt;
          if (parsedAt === undefined && b.work?.task.running) return;
          const at = Math.max(b.createdAtMs + b.timing.validatingMs, parsedAt ?? 0);
          if (now < at) return;
          if (!this.validate(b, at)) return;
          if (b.fate.kind === 'fail') {
            this.fail(b, at, [
              {
                code: 'batch_failed',
                line: null,
                message: 'The batch failed (simulated provider failure).',
                param: null,
              },
            ]);
            return;
          }
          b.status = 'in_progress';
          b.stamps.in_progress_at = at;
          continue;
        }
        case 'in_progress': {
          // The answers exist by now (they are produced while parsing): processing ends when its time is up.
          const at = (b.stamps.in_progress_at ?? b.createdAtMs) + b.timing.completionMs;
          if (now < at) return;
          if (b.fate.kind === 'expire') {
            b.status = 'expired';
            b.stamps.expired_at = at;
            this.finish(b, this.expireCount(b), 'batch_expired', at);
            return;
          }
          b.status = 'finalizing';
          b.stamps.finalizing_at = at;
          continue;
        }
        case 'finalizing': {
          const at = (b.stamps.finalizing_at ?? b.createdAtMs) + b.timing.finalizingMs;
          if (now < at) return;
          b.status = 'completed';
          b.stamps.completed_at = at;
          this.finish(b, b.work?.items?.count ?? 0, null, at);
          return;
        }
        case 'cancelling': {
          const at = (b.stamps.cancelling_at ?? b.createdAtMs) + b.timing.finalizingMs;
          if (now < at) return;
          b.status = 'cancelled';
          b.stamps.cancelled_at = at;
          // A batch cancelled while validating still accounts for its lines, if they parse.
          if (this.parsed(b)) this.finish(b, b.stoppedAt ?? 0, 'batch_cancelled', at);
          b.work?.task.stop();
          b.work = undefined;
          return;
        }
        default:
          return;
      }
    }
  }

  /** One background slice: parse (and so answer) more of the input. */
  private work(b: BatchRecord, work: Work, deadline: number): boolean {
    if (work.items || work.invalid) return true;
    if (!work.parser.step(deadline)) return false;
    this.onParsed(b, work);
    return true;
  }

  private onParsed(b: BatchRecord, work: Work): void {
    const input = work.parser.result();
    work.parsedAt = Date.now();
    if (!input.ok) {
      work.invalid = input.errors;
      return;
    }
    work.items = { count: input.count, failedBefore: failurePrefix(work.producer.outcomes) };
    b.model = input.model;
  }

  /** Finishes parsing now if the background has not; true when the input is valid. */
  private parsed(b: BatchRecord): boolean {
    const work = b.work;
    if (!work) return false;
    if (!work.items && !work.invalid) this.onParsed(b, work);
    return work.items !== undefined;
  }

  /** The batch leaves `validating`: bad input fails it, with every problem listed by line. */
  private validate(b: BatchRecord, at: number): boolean {
    if (this.parsed(b)) return true;
    this.fail(b, at, b.work?.invalid ?? []);
    return false;
  }

  private fail(b: BatchRecord, at: number, errors: BatchLineError[]): void {
    b.status = 'failed';
    b.stamps.failed_at = at;
    this.ledger.countBatchFailed();
    b.errors = errors;
    // Nothing ran and nothing is billed; keep the count of requests the file held, drop the rest.
    b.counts = { total: b.work?.items?.count ?? 0, completed: 0, failed: 0 };
    b.work?.task.stop();
    b.work = undefined;
  }

  private expireCount(b: BatchRecord): number {
    const n = b.work?.items?.count ?? 0;
    return b.fate.kind === 'expire' ? Math.floor(n * b.fate.fraction) : n;
  }

  /** Requests done by `now`: a linear sweep over the processing window, stopping early on expiry. */
  private progress(b: BatchRecord, now: number): number {
    const n = b.work?.items?.count ?? 0;
    const started = b.stamps.in_progress_at;
    if (started === undefined) return 0;
    const share = b.timing.completionMs === 0 ? 1 : Math.min(1, Math.max(0, (now - started) / b.timing.completionMs));
    // Never report more than has really been answered.
    const produced = b.work?.producer.produced ?? 0;
    return Math.min(this.expireCount(b), Math.floor(n * share), produced);
  }

  /** Produces the output and error files and bills the answered requests, exactly once per batch. */
  private finish(
    b: BatchRecord,
    processed: number,
    stopCode: 'batch_expired' | 'batch_cancelled' | null,
    at: number,
  ): void {
    const work = b.work;
    const items = work?.items;
    work?.task.stop();
    // The answers are no longer needed once in files; a long session must not hold every prompt.
    b.work = undefined;
    if (!work || !items) return;
    b.stoppedAt = processed;
    const results = work.producer.assemble(processed, stopCode);
    const createdAtSec = unixSeconds(at);
    if (results.output.length > 0)
      b.outputFileId = this.files.add({
        filename: `${b.id}_output.jsonl`,
        purpose: 'batch_output',
        chunks: results.output,
        createdAtSec,
      }).id;
    if (results.errors.length > 0)
      b.errorFileId = this.files.add({
        filename: `${b.id}_error.jsonl`,
        purpose: 'batch_output',
        chunks: results.errors,
        createdAtSec,
      }).id;
    this.ledger.billMany('batch', b.provider, b.model ?? '', results.billed);
    b.counts = { total: items.count, completed: results.succeeded, failed: results.failed };
    b.usage = { input: results.billed.inputTokens, output: results.billed.outputTokens };
  }

  private countsAt(b: BatchRecord, now: number): { total: number; completed: number; failed: number } {
    if (b.counts) return b.counts;
    const items = b.work?.items;
    if (!items || b.status === 'validating') return { total: 0, completed: 0, failed: 0 };
    const done =
      b.status === 'finalizing' ? items.count : b.status === 'cancelling' ? (b.stoppedAt ?? 0) : this.progress(b, now);
    const failed = items.failedBefore[done];
    return { total: items.count, completed: done - failed, failed };
  }

  /** The Batch object of the spec. Unset optional fields are left out rather than sent as null. */
  toJson(b: BatchRecord, now: number): object {
    const stamp = (key: Stamp) => {
      const ms = b.stamps[key];
      return ms === undefined ? {} : { [key]: unixSeconds(ms) };
    };
    const input = b.usage?.input ?? 0;
    const output = b.usage?.output ?? 0;
    return {
      id: b.id,
      object: 'batch',
      endpoint: b.endpoint,
      ...(b.model !== undefined ? { model: b.model } : {}),
      ...(b.errors ? { errors: { object: 'list', data: b.errors } } : {}),
      input_file_id: b.inputFileId,
      completion_window: b.completionWindow,
      status: b.status,
      ...(b.outputFileId ? { output_file_id: b.outputFileId } : {}),
      ...(b.errorFileId ? { error_file_id: b.errorFileId } : {}),
      created_at: unixSeconds(b.createdAtMs),
      ...stamp('in_progress_at'),
      expires_at: unixSeconds(b.createdAtMs) + COMPLETION_WINDOW_SEC,
      ...stamp('finalizing_at'),
      ...stamp('completed_at'),
      ...stamp('failed_at'),
      ...stamp('expired_at'),
      ...stamp('cancelling_at'),
      ...stamp('cancelled_at'),
      request_counts: this.countsAt(b, now),
      usage: {
        input_tokens: input,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: output,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: input + output,
      },
      metadata: b.metadata,
    };
  }
}

/** OpenAI's metadata rules: at most 16 string pairs, keys up to 64 and values up to 512 characters. */
function validateMetadata(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidRequest("Invalid type for 'metadata': expected an object.", 'metadata', 'invalid_type');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 16)
    throw invalidRequest("Invalid 'metadata': at most 16 key-value pairs are allowed.", 'metadata', 'invalid_value');
  for (const [key, v] of entries) {
    if (key.length > 64)
      throw invalidRequest(
        `Invalid 'metadata': key '${key.slice(0, 70)}' is longer than 64 characters.`,
        'metadata',
        'invalid_value',
      );
    if (typeof v !== 'string')
      throw invalidRequest(`Invalid 'metadata': the value of '${key}' must be a string.`, 'metadata', 'invalid_type');
    if (v.length > 512)
      throw invalidRequest(
        `Invalid 'metadata': the value of '${key}' is longer than 512 characters.`,
        'metadata',
        'invalid_value',
      );
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
