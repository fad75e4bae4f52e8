// What a batch's requests turn into: the per-item fault draws, and the output and error files
// built from them. Each line is answered as soon as the input parser hands it over (while the batch
// is still `validating`, in background slices), so the parsed body is dropped at once and a batch
// never holds every prompt. Each answer line is written straight into large off-heap buffers (a
// LineLog), so the strings die young instead of being promoted and copied by the garbage
// collector; the output and error files are then views into those buffers, picked in runs: no
// line is copied again, and nothing is ever joined into one giant string or buffer.
import { requestHash } from './canonical';
import { answerChat, answerEmbeddings, chatCompletionJson, embeddingObject, type Corruption } from './fake-model';
import type { BatchLine } from '../openai/batch-input';
import type { BilledItems } from './ledger';
import { lineIds } from './ids';
import type { Rng } from './random';
import type { Profile } from './profile';
import { NO_CACHE_USE } from '../anthropic/prompt-cache';

export enum Outcome {
  Ok = 0,
  CorruptSchema = 1,
  CorruptEmpty = 2,
  Retryable500 = 3,
  Retryable429 = 4,
  Permanent = 5,
}

export interface ItemRates {
  retryableErrorRate: number;
  permanentErrorRate: number;
  corruptRate: number;
}

export function isFailure(o: Outcome): boolean {
  return o >= Outcome.Retryable500;
}

/**
 * Two draws per item whatever the rates, so an item's fate depends only on the seed and its
 * position. The rates are cumulative probabilities: retryable, then permanent, then corrupt.
 */
export function drawOutcome(rates: ItemRates, rng: Rng): Outcome {
  const u = rng.next();
  const v = rng.next();
  const r = rates.retryableErrorRate;
  if (u < r) return v < 0.5 ? Outcome.Retryable500 : Outcome.Retryable429;
  const p = r + rates.permanentErrorRate;
  if (u < p) return Outcome.Permanent;
  if (u < p + rates.corruptRate) return v < 0.5 ? Outcome.CorruptSchema : Outcome.CorruptEmpty;
  return Outcome.Ok;
}

export function corruptionOf(o: Outcome): Corruption {
  return o === Outcome.CorruptSchema ? 'schema' : o === Outcome.CorruptEmpty ? 'empty' : 'none';
}

/** failedBefore[k] = failures among the first k items, so progress counts are O(1) at any k. */
export function failurePrefix(outcomes: ArrayLike<number>): Uint32Array {
  const prefix = new Uint32Array(outcomes.length + 1);
  for (let i = 0; i < outcomes.length; i++) prefix[i + 1] = prefix[i] + (isFailure(outcomes[i]) ? 1 : 0);
  return prefix;
}

/** ~256 KB per chunk for typical lines: big enough to stream efficiently, small enough never to spike memory. */
const LINES_PER_CHUNK = 256;
const LOG_BLOCK_BYTES = 1 << 20;

/**
 * Lines appended in item order into 1 MB buffers. Any subset of them, in order, can then be taken
 * as a list of views (`pick`), consecutive lines merged into one view.
 */
export class LineLog {
  private readonly blocks: Buffer[] = [];
  private block: Buffer = Buffer.alloc(0);
  private used = 0;
  /** Per item: which block, and where its line starts and ends. */
  private readonly where: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  get length(): number {
    return this.where.length;
  }

  append(line: string): void {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes: only a line near the end of a block needs measuring.
    if (this.used + line.length * 3 > this.block.length) {
      const bytes = Buffer.byteLength(line);
      if (this.used + bytes > this.block.length) {
        this.block = Buffer.allocUnsafe(Math.max(LOG_BLOCK_BYTES, bytes));
        this.blocks.push(this.block);
        this.used = 0;
      }
    }
    const written = this.block.write(line, this.used, 'utf8');
    this.where.push(this.blocks.length - 1);
    this.starts.push(this.used);
    this.used += written;
    this.ends.push(this.used);
  }

  /** The lines of the items `keep` selects among the first `upTo`, in order, as buffer views. */
  pick(upTo: number, keep: (item: number) => boolean): { chunks: Buffer[]; count: number } {
    const chunks: Buffer[] = [];
    let count = 0;
    let runBlock = -1;
    let runStart = 0;
    let runEnd = 0;
    const n = Math.min(upTo, this.where.length);
    for (let i = 0; i < n; i++) {
      if (!keep(i)) continue;
      count += 1;
      const block = this.where[i];
      if (block === runBlock && this.starts[i] === runEnd) {
        runEnd = this.ends[i];
        continue;
      }
      if (runBlock >= 0) chunks.push(this.blocks[runBlock].subarray(runStart, runEnd));
      runBlock = block;
      runStart = this.starts[i];
      runEnd = this.ends[i];
    }
    if (runBlock >= 0) chunks.push(this.blocks[runBlock].subarray(runStart, runEnd));
    return { chunks, count };
  }
}

/** Collects newline-terminated lines into file chunks as they come, in order. */
export class ChunkWriter {
  readonly chunks: Buffer[] = [];
  private pending: string[] = [];
  count = 0;

  push(line: string): void {
    this.pending.push(line);
    this.count += 1;
    if (this.pending.length >= LINES_PER_CHUNK) this.flush();
  }

  finish(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Buffer.from(this.pending.join(''), 'utf8'));
    this.pending = [];
  }
}

/** Collects what a batch bills: one entry per answered item. */
export class BillCollector implements BilledItems {
  count = 0;
  inputTokens = 0;
  outputTokens = 0;
  cacheWriteTokens = 0;
  cacheReadTokens = 0;
  readonly hashes: string[] = [];
  readonly corrupted: boolean[] = [];

  add(inputTokens: number, outputTokens: number, hash: string, corrupted: boolean, cache = NO_CACHE_USE): void {
    this.count += 1;
    this.inputTokens += inputTokens;
    this.outputTokens += outputTokens;
    this.cacheWriteTokens += cache.writeTokens;
    this.cacheReadTokens += cache.readTokens;
    this.hashes.push(hash);
    this.corrupted.push(corrupted);
  }
}

export interface BatchResults {
  output: Buffer[];
  errors: Buffer[];
  succeeded: number;
  failed: number;
  billed: BillCollector;
}

type StopCode = 'batch_expired' | 'batch_cancelled' | null;

/**
 * Answers the lines of one OpenAI batch in input order as the parser delivers them (`accept`), and
 * stitches the output and error files once the batch stops (`assemble`).
 */
export class ResultProducer {
  /** Items answered so far, in input order. */
  produced = 0;
  /** Items seen (answered or not) and their drawn outcomes. */
  readonly outcomes: number[] = [];
  private readonly customIds: string[] = [];
  /** One JSON line per produced item (answer or per-item error), in item order. */
  private readonly log = new LineLog();
  /** Per item: 1 when its line goes to the output file (answered and billed). */
  private readonly answered: number[] = [];
  private readonly inputTokens: number[] = [];
  private readonly outputTokens: number[] = [];
  private readonly corrupted: number[] = [];
  private readonly hashes: string[] = [];
  private readonly lineId = lineIds('batch_req_');
  private readonly requestId = lineIds('req_');
  private readonly completionId = lineIds('chatcmpl-');
  private modelJson = '';
  private model = '';
  /** Items past this index are recorded but not answered (cancelled, or the batch will fail). */
  limit = Infinity;
  private createdSec = 0;
  private clockCheck = 0;

  constructor(
    private readonly endpoint: string,
    private readonly rates: ItemRates,
    private readonly rng: Rng,
  ) {}

  get seen(): number {
    return this.customIds.length;
  }

  /** Takes the next valid input line: draws its fate and answers it now, unless past `limit`. */
  accept(line: BatchLine, index: number): void {
    const outcome = drawOutcome(this.rates, this.rng);
    if (index === 0) {
      this.model = String(line.body.model);
      this.modelJson = JSON.stringify(this.model);
    }
    this.outcomes.push(outcome);
    this.customIds.push(line.customId);
    this.answered.push(0);
    this.inputTokens.push(0);
    this.outputTokens.push(0);
    this.corrupted.push(0);
    this.hashes.push('');
    if (index < this.limit && this.produced === index) {
      this.produceItem(index, line.body, outcome);
      this.produced += 1;
    }
  }

  /**
   * The files and bill of a batch that stopped after `processed` items: those keep their outcome,
   * the rest did not run and go to the error file with `stopCode` (batch_expired / batch_cancelled).
   */
  assemble(processed: number, stopCode: StopCode): BatchResults {
    const n = this.customIds.length;
    const done = Math.min(processed, this.produced);
    const answered = this.answered;
    const output = this.log.pick(done, (i) => answered[i] === 1);
    const failed = this.log.pick(done, (i) => answered[i] === 0);
    const billed = new BillCollector();
    for (let i = 0; i < done; i++)
      if (answered[i]) billed.add(this.inputTokens[i], this.outputTokens[i], this.hashes[i], this.corrupted[i] === 1);
    // Items that never ran follow, in order, after every item that did.
    const stopped = new ChunkWriter();
    for (let i = done; i < n; i++) {
      const line = { id: this.lineId(i), custom_id: this.customIds[i], response: null, error: stopError(stopCode) };
      stopped.push(JSON.stringify(line) + '\n');
    }
    return {
      output: output.chunks,
      errors: [...failed.chunks, ...stopped.finish()],
      succeeded: output.count,
      failed: failed.count + stopped.count,
      billed,
    };
  }

  private produceItem(i: number, body: Record<string, unknown>, outcome: Outcome): void {
    const customId = this.customIds[i];
    // The clock is read once per 64 lines: `created` is seconds, and Date.now() per line shows in profiles.
    if ((this.clockCheck++ & 63) === 0) this.createdSec = Math.floor(Date.now() / 1000);
    if (isFailure(outcome)) {
      const { status, error } = itemError(outcome);
      const response = { status_code: status, request_id: this.requestId(i), body: { error } };
      this.log.append(JSON.stringify({ id: this.lineId(i), custom_id: customId, response, error: null }) + '\n');
      return;
    }
    const hash = requestHash(body);
    let bodyJson: string;
    if (this.endpoint.endsWith('/embeddings')) {
      const answer = answerEmbeddings(body);
      bodyJson = JSON.stringify(embeddingObject(this.model, answer, body.encoding_format));
      this.inputTokens[i] = answer.promptTokens;
    } else {
      const corruption = corruptionOf(outcome);
      const answer = answerChat(body, corruption, hash);
      bodyJson = chatCompletionJson(this.completionId(i), this.createdSec, this.modelJson, answer);
      this.inputTokens[i] = answer.usage.prompt_tokens;
      this.outputTokens[i] = answer.usage.completion_tokens;
      this.corrupted[i] = corruption === 'none' ? 0 : 1;
    }
    this.answered[i] = 1;
    this.hashes[i] = hash;
    // Built by hand around the precomputed body: the same bytes JSON.stringify would give, at a fraction of the cost.
    this.log.append(
      `{"id":"${this.lineId(i)}","custom_id":${JSON.stringify(customId)},"response":{"status_code":200,` +
        `"request_id":"${this.requestId(i)}","body":${bodyJson}},"error":null}\n`,
    );
  }
}

/** The error body a failed item carries, in the shape the sync API would have answered. */
export function itemError(outcome: Outcome): { status: number; error: object } {
  switch (outcome) {
    case Outcome.Retryable429:
      return {
        status: 429,
        error: {
          message: 'Rate limit reached while processing this request (simulated). Please retry.',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      };
    case Outcome.Permanent:
      return {
        status: 400,
        error: {
          message: 'Invalid request (simulated permanent failure): this request will fail the same way if retried.',
          type: 'invalid_request_error',
          param: 'messages',
          code: 'invalid_value',
        },
      };
    default:
      return {
        status: 500,
        error: {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: 'server_error',
        },
      };
  }
}

function stopError(code: StopCode): { code: string; message: string } {
  if (code === 'batch_cancelled')
    return { code, message: 'This request was not executed because the batch was cancelled.' };
  return {
    code: 'batch_expired',
    message: 'This request could not be executed before the completion window expired.',
  };
}

/** How a whole batch ends: completes, fails, or expires part-way (at `fraction` of its requests). */
export type Fate = { kind: 'complete' } | { kind: 'fail' } | { kind: 'expire'; fraction: number };

/**
 * A batch's fate, from three draws on the batch's own fork of the random stream whatever the
 * rates, so one batch's fate never shifts the next one's. Shared by the OpenAI and Anthropic sides.
 */
export function drawBatchFate(batchRng: Rng, batch: Profile['batch']): Fate {
  const failDraw = batchRng.next();
  const expireDraw = batchRng.next();
  const fraction = batchRng.next();
  if (failDraw < batch.failRate) return { kind: 'fail' };
  if (expireDraw < batch.expireRate) return { kind: 'expire', fraction };
  return { kind: 'complete' };
}
