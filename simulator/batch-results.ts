// What a batch's requests turn into: the per-item fault draws, and the output and error files
// built from them. Outcomes are drawn up front (one byte per item) so request_counts can report
// honest progress while the batch runs; the answers themselves are computed once, when the batch
// produces its files. Lines are collected in arrays and joined once: a 50,000-line batch costs
// O(n), never a quadratic string build.
import { canonicalJson, hashCanonical } from './canonical';
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
  output: string[];
  errors: string[];
  succeeded: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  billed: BillableRequest[];
}

/**
 * Builds the result lines. Items before `processed` get their drawn outcome; the rest did not run
 * and end in the error file with `stopCode` (batch_expired or batch_cancelled).
 */
export function buildResults(args: {
  batchId: string;
  endpoint: string;
  createdSec: number;
  lines: BatchLine[];
  outcomes: Uint8Array;
  processed: number;
  stopCode: 'batch_expired' | 'batch_cancelled' | null;
}): BatchResults {
  const { lines, outcomes, processed } = args;
  const res: BatchResults = { output: [], errors: [], succeeded: 0, failed: 0, inputTokens: 0, outputTokens: 0, billed: [] };
  const lineId = lineIds('batch_req_');
  const requestId = lineIds('req_');
  const completionId = lineIds('chatcmpl-');

  for (let i = 0; i < lines.length; i++) {
    const { customId, body } = lines[i];
    const id = lineId(i);
    if (i >= processed) {
      res.failed += 1;
      res.errors.push(JSON.stringify({ id, custom_id: customId, response: null, error: stopError(args.stopCode) }) + '\n');
      continue;
    }
    const outcome = outcomes[i] as Outcome;
    if (isFailure(outcome)) {
      res.failed += 1;
      const { status, error } = itemError(outcome);
      res.errors.push(
        JSON.stringify({
          id,
          custom_id: customId,
          response: { status_code: status, request_id: requestId(i), body: { error } },
          error: null,
        }) + '\n',
      );
      continue;
    }

    const canonical = canonicalJson(body);
    const model = String(body.model);
    let responseBody: object;
    let inputTokens: number;
    let outputTokens: number;
    if (args.endpoint === '/v1/embeddings') {
      const answer = answerEmbeddings(body);
      responseBody = embeddingObject(model, answer, body.encoding_format);
      inputTokens = answer.promptTokens;
      outputTokens = 0;
    } else {
      const corruption: Corruption =
        outcome === Outcome.CorruptSchema ? 'schema' : outcome === Outcome.CorruptEmpty ? 'empty' : 'none';
      const answer = answerChat(body, corruption, canonical);
      responseBody = chatCompletionObject(completionId(i), args.createdSec, model, answer);
      inputTokens = answer.usage.prompt_tokens;
      outputTokens = answer.usage.completion_tokens;
    }
    res.succeeded += 1;
    res.inputTokens += inputTokens;
    res.outputTokens += outputTokens;
    res.billed.push({
      model,
      inputTokens,
      outputTokens,
      bodyHash: hashCanonical(canonical),
      corrupted: outcome !== Outcome.Ok && args.endpoint !== '/v1/embeddings',
    });
    res.output.push(
      JSON.stringify({
        id,
        custom_id: customId,
        response: { status_code: 200, request_id: requestId(i), body: responseBody },
        error: null,
      }) + '\n',
    );
  }
  return res;
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

function stopError(code: 'batch_expired' | 'batch_cancelled' | null): { code: string; message: string } {
  if (code === 'batch_cancelled')
    return { code, message: 'This request was not executed because the batch was cancelled.' };
  return {
    code: 'batch_expired',
    message: 'This request could not be executed before the completion window expired.',
  };
}
