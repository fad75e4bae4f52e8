// What a batch's requests turn into: the per-item fault draws, and the output and error files
// built from them. Outcomes are drawn up front (one byte per item) so request_counts can report
// honest progress while the batch runs; the answers are produced in input order, in slices, and
// kept as one string per line that the file joins once: a 50,000-line batch costs O(n), never a
// quadratic string build.
import { requestHash } from './canonical';
import { unixSeconds } from './http-util';
import { answerChat, answerEmbeddings, chatCompletionObject, embeddingObject, type Corruption } from './fake-model';
import type { BatchLine } from './batch-input';
import type { BillableRequest } from './ledger';
import { lineIds } from './ids';
import type { Rng } from './random';

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
export function drawOutcomes(n: number, rates: ItemRates, rng: Rng): Uint8Array {
  const out = new Uint8Array(n);
  const r = rates.retryableErrorRate;
  const p = r + rates.permanentErrorRate;
  const c = p + rates.corruptRate;
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    const v = rng.next();
    if (u < r) out[i] = v < 0.5 ? Outcome.Retryable500 : Outcome.Retryable429;
    else if (u < p) out[i] = Outcome.Permanent;
    else if (u < c) out[i] = v < 0.5 ? Outcome.CorruptSchema : Outcome.CorruptEmpty;
  }
  return out;
}

/** failedBefore[k] = failures among the first k items, so progress counts are O(1) at any k. */
export function failurePrefix(outcomes: Uint8Array): Uint32Array {
  const prefix = new Uint32Array(outcomes.length + 1);
  for (let i = 0; i < outcomes.length; i++) prefix[i + 1] = prefix[i] + (isFailure(outcomes[i]) ? 1 : 0);
  return prefix;
}

export interface BatchResults {
  /** Lines of the output file, each ending in a newline; joined once by the caller. */
  output: string[];
  errors: string[];
  succeeded: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  billed: BillableRequest[];
}

type StopCode = 'batch_expired' | 'batch_cancelled' | null;

/**
 * Turns items into result lines in input order, a slice at a time (`produce`), so the answers of
 * a big batch are computed in the background while it is `in_progress` instead of all at once in
 * the request that happens to observe its completion. `assemble` then only stitches lines.
 */
export class ResultProducer {
  /** Items produced so far, in input order. */
  produced = 0;
  private readonly texts: string[] = [];
  /** Per item: 1 when its line goes to the output file (answered and billed). */
  private readonly answered: Uint8Array;
  private readonly inputTokens: Uint32Array;
  private readonly outputTokens: Uint32Array;
  private readonly corrupted: Uint8Array;
  private readonly hashes: string[] = [];
  private readonly lineId = lineIds('batch_req_');
  private readonly requestId = lineIds('req_');
  private readonly completionId = lineIds('chatcmpl-');

  constructor(
    private readonly endpoint: string,
    private readonly lines: BatchLine[],
    private readonly outcomes: Uint8Array,
  ) {
    const n = lines.length;
    this.answered = new Uint8Array(n);
    this.inputTokens = new Uint32Array(n);
    this.outputTokens = new Uint32Array(n);
    this.corrupted = new Uint8Array(n);
  }

  get total(): number {
    return this.lines.length;
  }

  /** Produces items up to `upTo` (exclusive) or until `deadline`; true once `upTo` is reached. */
  produce(upTo: number, deadline = Infinity): boolean {
    const limit = Math.min(upTo, this.lines.length);
    while (this.produced < limit) {
      if ((this.produced & 63) === 0 && Date.now() >= deadline) return false;
      this.produceItem(this.produced);
      this.produced += 1;
    }
    return true;
  }

  /**
   * The files and bill of a batch that stopped after `processed` items: those keep their outcome,
   * the rest did not run and go to the error file with `stopCode` (batch_expired / batch_cancelled).
   */
  assemble(processed: number, stopCode: StopCode): BatchResults {
    this.produce(processed);
    const res: BatchResults = {
      output: [],
      errors: [],
      succeeded: 0,
      failed: 0,
      inputTokens: 0,
      outputTokens: 0,
      billed: [],
    };
    const n = this.lines.length;
    const model = n > 0 ? String(this.lines[0].body.model) : '';
    for (let i = 0; i < n; i++) {
      if (i >= processed) {
        res.failed += 1;
        const line = {
          id: this.lineId(i),
          custom_id: this.lines[i].customId,
          response: null,
          error: stopError(stopCode),
        };
        res.errors.push(JSON.stringify(line) + '\n');
      } else if (this.answered[i]) {
        res.succeeded += 1;
        res.inputTokens += this.inputTokens[i];
        res.outputTokens += this.outputTokens[i];
        res.output.push(this.texts[i]);
        res.billed.push({
          model,
          inputTokens: this.inputTokens[i],
          outputTokens: this.outputTokens[i],
          bodyHash: this.hashes[i],
          corrupted: this.corrupted[i] === 1,
        });
      } else {
        res.failed += 1;
        res.errors.push(this.texts[i]);
      }
    }
    return res;
  }

  private produceItem(i: number): void {
    const { customId, body } = this.lines[i];
    const outcome = this.outcomes[i] as Outcome;
    if (isFailure(outcome)) {
      const { status, error } = itemError(outcome);
      const response = { status_code: status, request_id: this.requestId(i), body: { error } };
      this.texts[i] = JSON.stringify({ id: this.lineId(i), custom_id: customId, response, error: null }) + '\n';
      return;
    }
    const hash = requestHash(body);
    const model = String(body.model);
    let responseBody: object;
    if (this.endpoint === '/v1/embeddings') {
      const answer = answerEmbeddings(body);
      responseBody = embeddingObject(model, answer, body.encoding_format);
      this.inputTokens[i] = answer.promptTokens;
    } else {
      const corruption: Corruption =
        outcome === Outcome.CorruptSchema ? 'schema' : outcome === Outcome.CorruptEmpty ? 'empty' : 'none';
      const answer = answerChat(body, corruption, hash);
      responseBody = chatCompletionObject(this.completionId(i), unixSeconds(Date.now()), model, answer);
      this.inputTokens[i] = answer.usage.prompt_tokens;
      this.outputTokens[i] = answer.usage.completion_tokens;
      this.corrupted[i] = corruption === 'none' ? 0 : 1;
    }
    this.answered[i] = 1;
    this.hashes[i] = hash;
    const response = { status_code: 200, request_id: this.requestId(i), body: responseBody };
    this.texts[i] = JSON.stringify({ id: this.lineId(i), custom_id: customId, response, error: null }) + '\n';
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
