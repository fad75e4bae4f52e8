// An OpenAI batch's output and error files (Azure's too). Each line is answered as soon as the input
// parser hands it over (while the batch is still `validating`, in background slices), so the parsed
// body is dropped at once and a batch never holds every prompt; the answers go into a LineLog
// (core/batch-results.ts) and the files are views into it.
import { requestHash } from '../core/canonical';
import { answerChat, answerEmbeddings, chatCompletionJson, embeddingObject } from '../core/fake-model';
import type { BatchLine } from './batch-input';
import { lineIds } from '../core/ids';
import type { Rng } from '../core/random';
import {
  BillCollector,
  ChunkWriter,
  LineLog,
  Outcome,
  corruptionOf,
  drawOutcome,
  isFailure,
  type ItemRates,
} from '../core/batch-results';

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
    const outcome = drawOutcome(this.rates, this.rng, line.customId);
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
