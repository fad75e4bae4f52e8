// The synchronous lane: POST /v1/chat/completions and /v1/embeddings (and their Azure twins under a
// deployment). Billed at the sync price, slowed by sync.latencyMs, limited by sync.rpm/tpm, and
// subject to the same per-item faults as batch lines (drawn per attempt), so strike 3 meets
// failures too.
import { requestHash } from '../core/canonical';
import { embeddingParamProblem } from './embedding-params';
import { ApiError, invalidRequest } from '../core/errors';
import { answerChat, answerEmbeddings, chatCompletionObject, embeddingObject } from '../core/fake-model';
import { readJson, sleep, unixSeconds } from '../core/http-util';
import { randomId } from '../core/ids';
import { Outcome, corruptionOf } from '../core/batch-results';
import type { Provider } from '../core/ledger';
import { retryAfterHeaders } from '../core/rate-limit';
import type { Reply, RouteContext } from '../core/routes-types';
import type { SimulatorState } from '../core/state';
import { checkLimits, drawSyncFault } from '../core/sync';
import { itemError } from './openai-batch-results';

async function readBody(ctx: RouteContext): Promise<Record<string, unknown>> {
  const body = await readJson(ctx.req);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalidRequest('The request body must be a JSON object.');
  const b = body as Record<string, unknown>;
  // At Azure the deployment in the path decides the model, whatever the body says.
  if (ctx.deployment !== undefined) b.model = ctx.deployment;
  if (typeof b.model !== 'string' || b.model === '')
    throw invalidRequest('you must provide a model parameter', 'model', 'missing_required_parameter');
  return b;
}

/** Admits the request under the sync limits or throws the 429 OpenAI would send. */
function admit(state: SimulatorState, provider: Provider, tokens: number): Record<string, string> {
  const verdict = checkLimits(state, provider, tokens);
  if (verdict.ok) return verdict.headers;
  const { rpm, tpm } = state.profile.sync;
  const what =
    verdict.kind === 'requests' ? `requests per min (RPM): Limit ${rpm}` : `tokens per min (TPM): Limit ${tpm}`;
  throw new ApiError(
    429,
    `Rate limit reached (simulated) on ${what}. Please try again in ${verdict.retryAfterMs}ms.`,
    verdict.kind ?? 'requests',
    null,
    'rate_limit_exceeded',
    { ...verdict.headers, ...retryAfterHeaders(verdict.retryAfterMs) },
  );
}

function throwItemError(outcome: Outcome): void {
  if (outcome !== Outcome.Retryable500 && outcome !== Outcome.Retryable429 && outcome !== Outcome.Permanent) return;
  // A sync retryable failure is a 500: a 429 without rate-limit headers would mislead a client's backoff.
  const { status, error } = itemError(outcome === Outcome.Permanent ? outcome : Outcome.Retryable500);
  const e = error as { message: string; type: string; param: string | null; code: string | null };
  throw new ApiError(status, e.message, e.type, e.param, e.code);
}

export async function chatCompletions(ctx: RouteContext): Promise<Reply> {
  const { state } = ctx;
  const body = await readBody(ctx);
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw invalidRequest("Invalid 'messages': expected a non-empty array.", 'messages', 'invalid_value');
  if (body.stream === true)
    throw invalidRequest('The simulator does not support streaming.', 'stream', 'unsupported_value');

  const hash = requestHash(body);
  const clean = answerChat(body, 'none', hash);
  const headers = admit(state, ctx.provider, clean.usage.total_tokens);
  await sleep(state.profile.sync.latencyMs);

  const outcome = drawSyncFault(state, hash);
  throwItemError(outcome);
  const corruption = corruptionOf(outcome);
  const answer = corruption === 'none' ? clean : answerChat(body, corruption, hash);
  const model = String(body.model);
  state.ledger.bill('sync', ctx.provider, {
    model,
    inputTokens: answer.usage.prompt_tokens,
    outputTokens: answer.usage.completion_tokens,
    bodyHash: hash,
    corrupted: corruption !== 'none' || ctx.responseLost,
    lost: ctx.responseLost,
  });
  return {
    status: 200,
    headers,
    json: chatCompletionObject(randomId('chatcmpl-', 29), unixSeconds(state.now()), model, answer),
  };
}

export async function embeddings(ctx: RouteContext): Promise<Reply> {
  const { state } = ctx;
  const body = await readBody(ctx);
  const problem = embeddingParamProblem(body);
  if (problem) throw invalidRequest(problem.message, problem.param, problem.code);

  const answer = answerEmbeddings(body);
  const headers = admit(state, ctx.provider, answer.promptTokens);
  await sleep(state.profile.sync.latencyMs);
  const hash = requestHash(body);
  throwItemError(drawSyncFault(state, hash));
  const model = String(body.model);
  state.ledger.bill('sync', ctx.provider, {
    model,
    inputTokens: answer.promptTokens,
    outputTokens: 0,
    bodyHash: hash,
    corrupted: ctx.responseLost,
    lost: ctx.responseLost,
  });
  return { status: 200, headers, json: embeddingObject(model, answer, body.encoding_format) };
}
