// Anthropic's Message Batches: a batch is `in_progress` from creation until its processing time is
// up (profile batch.validatingMs + completionMs: Anthropic has no separate validating phase), then
// `ended`; a cancel moves it to `canceling`, then `ended` with the unprocessed requests `canceled`.
// As at Anthropic, `request_counts` shows every request as `processing` until the batch ends, the
// results exist only once it has ended (`results_url` is null before), and each request's params
// are checked while it is processed: a bad request ends `errored` with an invalid_request_error
// instead of failing the create call. The answers are produced in background slices, like the
// OpenAI side's.
import { spansOf, type Span } from '../core/in-flight';
import { anthropicError, batchRejected } from '../core/errors';
import {
  CUSTOM_ID_PATTERN,
  answerMessage,
  messageObject,
  messageParamsProblem,
  withCacheUse,
  type MessageJson,
} from './anthropic-model';
import {
  BillCollector,
  ChunkWriter,
  LineLog,
  Outcome,
  corruptionOf,
  drawBatchStart,
  drawOutcome,
  isFailure,
  itemRatesOf,
  type Fate,
  type ItemRates,
} from '../core/batch-results';
import { SlicedTask } from '../core/background';
import { requestHash } from '../core/canonical';
import { lineIds, randomId } from '../core/ids';
import type { LedgerBook } from '../core/ledger';
import type { Profile } from '../core/profile';
import type { PromptCache } from './prompt-cache';
import type { Rng } from '../core/random';

export const MAX_MESSAGE_BATCH_REQUESTS = 100_000;
export const MAX_MESSAGE_BATCH_BYTES = 256 * 1024 * 1024;
const EXPIRY_MS = 24 * 3600 * 1000;

export type ProcessingStatus = 'in_progress' | 'canceling' | 'ended';
type StopKind = 'canceled' | 'expired';

export interface MessageBatchRequest {
  customId: string;
  params: unknown;
}

interface Counts {
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}

/** Produces one results line per request, in order, a slice at a time. */
class MessageResultProducer {
  produced = 0;
  private readonly log = new LineLog();
  /** Per request: 1 when it succeeded (and is billed). */
  private readonly succeeded: Uint8Array;
  private readonly models: string[] = [];
  private readonly inputTokens: Uint32Array;
  private readonly outputTokens: Uint32Array;
  private readonly cacheWriteTokens: Uint32Array;
  private readonly cacheReadTokens: Uint32Array;
  private readonly corrupted: Uint8Array;
  private readonly hashes: string[] = [];
  private readonly messageId = lineIds('msg_01');
  private readonly toolUseId = lineIds('toolu_01');
  private readonly requestId = lineIds('req_01');

  constructor(
    private readonly requests: Array<MessageBatchRequest | undefined>,
    private readonly outcomes: Uint8Array,
    private readonly failAll: boolean,
    private readonly promptCache: PromptCache,
  ) {
    const n = requests.length;
    this.succeeded = new Uint8Array(n);
    this.inputTokens = new Uint32Array(n);
    this.outputTokens = new Uint32Array(n);
    this.cacheWriteTokens = new Uint32Array(n);
    this.cacheReadTokens = new Uint32Array(n);
    this.corrupted = new Uint8Array(n);
  }

  produce(upTo: number, deadline = Infinity): boolean {
    const limit = Math.min(upTo, this.requests.length);
    while (this.produced < limit) {
      if ((this.produced & 63) === 0 && Date.now() >= deadline) return false;
      this.produceItem(this.produced);
      // The params are answered: let go of them, a 256 MB batch must not stay in memory twice.
      this.requests[this.produced] = undefined;
      this.produced += 1;
    }
    return true;
  }

  private produceItem(i: number): void {
    const { customId, params } = this.requests[i] as MessageBatchRequest;
    const errored = (type: AnthropicErrorType, message: string) => {
      const line: ResultLine = {
        custom_id: customId,
        result: { type: 'errored', error: { type: 'error', error: { type, message }, request_id: this.requestId(i) } },
      };
      this.log.append(JSON.stringify(line) + '\n');
    };
    if (this.failAll) return errored('api_error', 'The batch failed (simulated provider failure).');
    const problem = messageParamsProblem(params);
    if (problem) return errored('invalid_request_error', problem);
    const outcome = this.outcomes[i] as Outcome;
    if (isFailure(outcome)) {
      if (outcome === Outcome.Permanent)
        return errored(
          'invalid_request_error',
          'Invalid request (simulated permanent failure): this request will fail the same way if retried.',
        );
      return outcome === Outcome.Retryable429
        ? errored('overloaded_error', 'Overloaded (simulated). Please retry.')
        : errored('api_error', 'Internal server error (simulated). Please retry.');
    }
    const p = params as Record<string, unknown>;
    const hash = requestHash(p);
    const corruption = corruptionOf(outcome);
    // Requests are processed in order: the first with a cacheable prefix writes it, the rest read it.
    const answer = withCacheUse(
      answerMessage(p, corruption, hash, () => this.toolUseId(i)),
      this.promptCache.use(p, Date.now()),
    );
    const model = String(p.model);
    const message = messageObject(this.messageId(i), model, answer, 'batch');
    const line: ResultLine = { custom_id: customId, result: { type: 'succeeded', message } };
    this.log.append(JSON.stringify(line) + '\n');
    this.succeeded[i] = 1;
    this.models[i] = model;
    this.inputTokens[i] = answer.inputTokens;
    this.outputTokens[i] = answer.outputTokens;
    this.cacheWriteTokens[i] = answer.cacheWriteTokens ?? 0;
    this.cacheReadTokens[i] = answer.cacheReadTokens ?? 0;
    this.corrupted[i] = corruption === 'none' ? 0 : 1;
    this.hashes[i] = hash;
  }

  /** Requests from `processed` on did not run: they end `stop` (canceled or expired). */
  assemble(
    customIds: readonly string[],
    processed: number,
    stop: StopKind | null,
  ): { chunks: Buffer[]; counts: Counts; billed: Map<string, BillCollector> } {
    const done = stop ? processed : customIds.length;
    this.produce(done);
    const counts: Counts = { succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    const billed = new Map<string, BillCollector>();
    for (let i = 0; i < done; i++) {
      if (!this.succeeded[i]) {
        counts.errored += 1;
        continue;
      }
      counts.succeeded += 1;
      let bill = billed.get(this.models[i]);
      if (!bill) billed.set(this.models[i], (bill = new BillCollector()));
      bill.add(this.inputTokens[i], this.outputTokens[i], this.hashes[i], this.corrupted[i] === 1, {
        writeTokens: this.cacheWriteTokens[i],
        readTokens: this.cacheReadTokens[i],
      });
    }
    const ran = this.log.pick(done, () => true);
    // Requests that never ran follow every request that did, in order.
    const stopped = new ChunkWriter();
    if (stop) {
      const tail = `,"result":{"type":"${stop}"}}\n`;
      for (let i = done; i < customIds.length; i++) stopped.push(`{"custom_id":${JSON.stringify(customIds[i])}${tail}`);
      counts[stop] = customIds.length - done;
    }
    return { chunks: [...ran.chunks, ...stopped.finish()], counts, billed };
  }
}

/** @anthropic-ai/sdk's `MessageBatch` (a type test holds the two assignable). */
export interface MessageBatchJson {
  id: string;
  type: 'message_batch';
  processing_status: ProcessingStatus;
  request_counts: Counts & { processing: number };
  ended_at: string | null;
  created_at: string;
  expires_at: string;
  archived_at: null;
  cancel_initiated_at: string | null;
  results_url: string | null;
}

/** One line of the results file, as @anthropic-ai/sdk's `MessageBatchIndividualResponse`. */
export type ResultLine =
  | { custom_id: string; result: { type: 'succeeded'; message: MessageJson } }
  | {
      custom_id: string;
      result: {
        type: 'errored';
        error: { type: 'error'; error: { type: AnthropicErrorType; message: string }; request_id: string };
      };
    }
  | { custom_id: string; result: { type: 'canceled' | 'expired' } };

type AnthropicErrorType = 'invalid_request_error' | 'api_error' | 'overloaded_error';

interface MessageBatchRecord {
  id: string;
  createdAtMs: number;
  /** Processing ends this long after creation (the profile's validating + completion time). */
  processingMs: number;
  finalizingMs: number;
  fate: Fate;
  status: ProcessingStatus;
  cancelInitiatedAtMs?: number;
  endedAtMs?: number;
  customIds: string[];
  /** Dropped once the batch has ended: only the results and counts stay. */
  work?: { producer: MessageResultProducer; task: SlicedTask };
  counts?: Counts;
  results?: Buffer[];
  resultsBytes?: number;
  /** Requests processed when processing stopped early (cancel). */
  stoppedAt?: number;
}

/** Validates the create body synchronously, as Anthropic does for the envelope (not the params). */
export function parseCreateBody(body: unknown): MessageBatchRequest[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw anthropicError(400, 'invalid_request_error', 'The request body must be a JSON object.');
  const requests = (body as { requests?: unknown }).requests;
  if (!Array.isArray(requests)) throw anthropicError(400, 'invalid_request_error', 'requests: Field required');
  if (requests.length === 0)
    throw anthropicError(400, 'invalid_request_error', 'requests: List should have at least 1 item after validation');
  if (requests.length > MAX_MESSAGE_BATCH_REQUESTS)
    throw anthropicError(
      400,
      'invalid_request_error',
      `requests: List should have at most ${MAX_MESSAGE_BATCH_REQUESTS} items after validation, not ${requests.length}`,
    );
  const seen = new Set<string>();
  const out = new Array<MessageBatchRequest>(requests.length);
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i] as { custom_id?: unknown; params?: unknown } | null;
    if (r === null || typeof r !== 'object' || Array.isArray(r))
      throw anthropicError(400, 'invalid_request_error', `requests.${i}: Input should be a valid dictionary`);
    if (typeof r.custom_id !== 'string')
      throw anthropicError(400, 'invalid_request_error', `requests.${i}.custom_id: Field required`);
    if (!CUSTOM_ID_PATTERN.test(r.custom_id))
      throw anthropicError(
        400,
        'invalid_request_error',
        `requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`,
      );
    if (r.params === undefined)
      throw anthropicError(400, 'invalid_request_error', `requests.${i}.params: Field required`);
    if (seen.has(r.custom_id))
      throw anthropicError(
        400,
        'invalid_request_error',
        `Duplicate custom_id '${r.custom_id}': each request in a batch must have a unique custom_id.`,
      );
    seen.add(r.custom_id);
    out[i] = { customId: r.custom_id, params: r.params };
  }
  return out;
}

export class MessageBatchStore {
  private readonly batches = new Map<string, MessageBatchRecord>();

  constructor(
    private readonly ledger: LedgerBook,
    private readonly promptCache: PromptCache,
  ) {}

  create(requests: MessageBatchRequest[], profile: Profile, rng: Rng, nowMs: number): MessageBatchRecord {
    // Anthropic's batches have no state before in_progress: none stalls.
    const { batchRng, fate } = drawBatchStart(rng, profile.batch, false, batchRejected);
    const rates: ItemRates = itemRatesOf(profile);
    const outcomes = new Uint8Array(requests.length);
    for (let i = 0; i < requests.length; i++) outcomes[i] = drawOutcome(rates, batchRng, requests[i].customId);

    const processingMs = profile.batch.validatingMs + profile.batch.completionMs;
    const producer = new MessageResultProducer(requests, outcomes, fate.kind === 'fail', this.promptCache);
    const record: MessageBatchRecord = {
      id: randomId('msgbatch_01', 22),
      createdAtMs: nowMs,
      processingMs,
      finalizingMs: Math.min(50, Math.round(processingMs / 10)),
      fate,
      status: 'in_progress',
      customIds: requests.map((r) => r.customId),
      work: {
        producer,
        task: new SlicedTask((deadline) => producer.produce(this.processedAtEnd(record), deadline)),
      },
    };
    record.work?.task.start();
    this.batches.set(record.id, record);
    this.ledger.countBatchCreated();
    return record;
  }

  get(id: string, nowMs: number): MessageBatchRecord {
    const b = this.batches.get(id);
    if (!b) throw anthropicError(404, 'not_found_error', `No message batch found with id '${id}'.`);
    this.advance(b, nowMs);
    return b;
  }

  cancel(id: string, nowMs: number): MessageBatchRecord {
    const b = this.get(id, nowMs);
    if (b.status === 'canceling') return b;
    if (b.status === 'ended')
      throw anthropicError(
        400,
        'invalid_request_error',
        `Message batch '${id}' has already ended and cannot be canceled.`,
      );
    b.stoppedAt = this.progress(b, nowMs);
    b.status = 'canceling';
    b.cancelInitiatedAtMs = nowMs;
    this.ledger.countBatchCancelled(); // only here: a repeated cancel returned above
    return b;
  }

  delete(id: string, nowMs: number): void {
    const b = this.get(id, nowMs);
    if (b.status !== 'ended')
      throw anthropicError(
        400,
        'invalid_request_error',
        `Message batch '${id}' is still processing; cancel it and wait for it to end before deleting it.`,
      );
    this.batches.delete(id);
  }

  /** Newest first. `after_id` pages toward older batches, `before_id` toward newer ones. */
  list(
    opts: { afterId?: string; beforeId?: string; limit: number },
    nowMs: number,
  ): { data: MessageBatchRecord[]; hasMore: boolean } {
    const all = [...this.batches.values()].reverse();
    let start = 0;
    let end = all.length;
    if (opts.afterId !== undefined) {
      const at = all.findIndex((b) => b.id === opts.afterId);
      start = at < 0 ? all.length : at + 1;
    }
    if (opts.beforeId !== undefined) {
      const at = all.findIndex((b) => b.id === opts.beforeId);
      end = at < 0 ? 0 : at;
    }
    let data: MessageBatchRecord[];
    let hasMore: boolean;
    if (opts.beforeId !== undefined && opts.afterId === undefined) {
      // The page just before the cursor; "more" means still newer batches beyond it.
      const from = Math.max(0, end - opts.limit);
      data = all.slice(from, end);
      hasMore = from > 0;
    } else {
      data = all.slice(start, Math.min(end, start + opts.limit));
      hasMore = start + opts.limit < end;
    }
    for (const b of data) this.advance(b, nowMs);
    return { data, hasMore };
  }

  /** When each batch was in flight (call advanceAll first). */
  spans(): Span[] {
    return spansOf(this.batches.values());
  }

  advanceAll(nowMs: number): void {
    for (const b of this.batches.values()) this.advance(b, nowMs);
  }

  /** Batches that have not ended (after bringing them up to date). */
  pending(nowMs: number): number {
    this.advanceAll(nowMs);
    let n = 0;
    for (const b of this.batches.values()) if (b.status !== 'ended') n += 1;
    return n;
  }

  stopBackground(): void {
    for (const b of this.batches.values()) b.work?.task.stop();
  }

  clear(): void {
    this.stopBackground();
    this.batches.clear();
  }

  /** The results file, once the batch has ended. */
  results(id: string, nowMs: number): { chunks: Buffer[]; bytes: number } {
    const b = this.get(id, nowMs);
    if (b.status !== 'ended' || !b.results)
      throw anthropicError(
        404,
        'not_found_error',
        `Results for message batch '${id}' are not available until processing has ended.`,
      );
    return { chunks: b.results, bytes: b.resultsBytes ?? 0 };
  }

  private processedAtEnd(b: MessageBatchRecord): number {
    const n = b.customIds.length;
    if (b.stoppedAt !== undefined) return b.stoppedAt;
    return b.fate.kind === 'expire' ? Math.floor(n * b.fate.fraction) : n;
  }

  /** Requests done by `now`: a linear sweep over the processing time, never ahead of the real answers. */
  private progress(b: MessageBatchRecord, now: number): number {
    const n = b.customIds.length;
    const share = b.processingMs === 0 ? 1 : Math.min(1, Math.max(0, (now - b.createdAtMs) / b.processingMs));
    return Math.min(this.processedAtEnd(b), Math.floor(n * share), b.work?.producer.produced ?? 0);
  }

  private advance(b: MessageBatchRecord, now: number): void {
    if (b.status === 'in_progress') {
      // Processing ends when its time is up and the answers really exist (a huge batch on a slow machine waits).
      if (b.work?.task.running) return;
      const at = b.createdAtMs + b.processingMs;
      if (now < at) return;
      this.end(b, b.fate.kind === 'expire' ? 'expired' : null, at);
    } else if (b.status === 'canceling') {
      const at = (b.cancelInitiatedAtMs ?? b.createdAtMs) + b.finalizingMs;
      if (now < at) return;
      this.end(b, 'canceled', at);
    }
  }

  private end(b: MessageBatchRecord, stop: StopKind | null, at: number): void {
    const work = b.work;
    work?.task.stop();
    b.work = undefined;
    b.status = 'ended';
    b.endedAtMs = at;
    if (!work) return;
    const processed = this.processedAtEnd(b);
    const { chunks, counts, billed } = work.producer.assemble(b.customIds, processed, stop);
    b.results = chunks;
    b.resultsBytes = chunks.reduce((n, c) => n + c.length, 0);
    b.counts = counts;
    for (const [model, items] of billed) this.ledger.billMany('batch', 'anthropic', model, items);
  }

  /** The MessageBatch object of @anthropic-ai/sdk. `origin` is where this client reaches the simulator. */
  toJson(b: MessageBatchRecord, origin: string): MessageBatchJson {
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    const n = b.customIds.length;
    const counts = b.counts ?? { succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    return {
      id: b.id,
      type: 'message_batch',
      processing_status: b.status,
      request_counts: {
        processing: b.status === 'ended' ? 0 : n,
        succeeded: counts.succeeded,
        errored: counts.errored,
        canceled: counts.canceled,
        expired: counts.expired,
      },
      ended_at: iso(b.endedAtMs),
      created_at: new Date(b.createdAtMs).toISOString(),
      expires_at: new Date(b.createdAtMs + EXPIRY_MS).toISOString(),
      archived_at: null,
      cancel_initiated_at: iso(b.cancelInitiatedAtMs),
      results_url: b.status === 'ended' ? `${origin}/v1/messages/batches/${b.id}/results` : null,
    };
  }
}
