// The Anthropic paths on the same port: sync `POST /v1/messages` and the Message Batches API
// (create, retrieve, list, cancel, delete, results). Shapes follow @anthropic-ai/sdk's types;
// errors are rendered in Anthropic's shape by the server (the route's provider is 'anthropic').
import { MAX_MESSAGE_BATCH_BYTES, parseCreateBody } from './anthropic-batches';
import { answerMessage, messageObject, messageParamsProblem, withCacheUse } from './anthropic-model';
import { requestHash } from '../core/canonical';
import { anthropicError } from '../core/errors';
import { readJson, sleep } from '../core/http-util';
import { randomId } from '../core/ids';
import { Outcome, corruptionOf } from '../core/batch-results';
import { anthropicRateHeaders, retryAfterHeaders } from '../core/rate-limit';
import type { Reply, Route, RouteContext } from '../core/routes-types';
import { checkLimits, drawSyncFault } from '../core/sync';

async function createMessage(ctx: RouteContext): Promise<Reply> {
  const { state } = ctx;
  const body = await readJson(ctx.req);
  const problem = messageParamsProblem(body);
  if (problem) throw anthropicError(400, 'invalid_request_error', problem);
  const params = body as Record<string, unknown>;

  const hash = requestHash(params);
  const clean = answerMessage(params, 'none', hash, () => randomId('toolu_01', 22));
  const now = state.now();
  const verdict = checkLimits(state, 'anthropic', clean.inputTokens + clean.outputTokens);
  const headers = anthropicRateHeaders(verdict.window, now);
  if (!verdict.ok) {
    const what = verdict.kind === 'requests' ? 'requests per minute' : 'tokens per minute';
    throw anthropicError(
      429,
      'rate_limit_error',
      `This request would exceed the rate limit for your organization of ${what} (simulated). Please retry after ${Math.ceil(verdict.retryAfterMs / 1000)}s.`,
      { ...headers, ...retryAfterHeaders(verdict.retryAfterMs) },
    );
  }
  await sleep(state.profile.sync.latencyMs);

  const outcome = drawSyncFault(state, hash);
  if (outcome === Outcome.Permanent)
    throw anthropicError(
      400,
      'invalid_request_error',
      'Invalid request (simulated permanent failure): this request will fail the same way if retried.',
    );
  if (outcome === Outcome.Retryable429) throw anthropicError(529, 'overloaded_error', 'Overloaded (simulated).');
  if (outcome === Outcome.Retryable500)
    throw anthropicError(500, 'api_error', 'Internal server error (simulated). Please retry.');
  const corruption = corruptionOf(outcome);
  const answered =
    corruption === 'none' ? clean : answerMessage(params, corruption, hash, () => randomId('toolu_01', 22));
  // Only a request that is answered (and billed) writes or reads the prompt cache.
  const answer = withCacheUse(answered, state.promptCache.use(params, state.now()));
  const model = String(params.model);
  state.ledger.bill('sync', 'anthropic', {
    model,
    inputTokens: answer.inputTokens,
    outputTokens: answer.outputTokens,
    cacheWriteTokens: answer.cacheWriteTokens,
    cacheReadTokens: answer.cacheReadTokens,
    bodyHash: hash,
    corrupted: corruption !== 'none' || ctx.responseLost,
    lost: ctx.responseLost,
  });
  return { status: 200, headers, json: messageObject(randomId('msg_01', 22), model, answer, 'standard') };
}

async function createBatch(ctx: RouteContext): Promise<Reply> {
  const { state } = ctx;
  const body = await readJson(ctx.req, MAX_MESSAGE_BATCH_BYTES);
  const requests = parseCreateBody(body);
  const now = state.now();
  const batch = state.messageBatches.create(requests, state.profile, state.batchRng, now);
  return { status: 200, json: state.messageBatches.toJson(batch, ctx.origin) };
}

async function getBatch({ params, state, origin }: RouteContext): Promise<Reply> {
  return { status: 200, json: state.messageBatches.toJson(state.messageBatches.get(params[0], state.now()), origin) };
}

async function cancelBatch({ params, state, origin }: RouteContext): Promise<Reply> {
  const batch = state.messageBatches.cancel(params[0], state.now());
  return { status: 200, json: state.messageBatches.toJson(batch, origin) };
}

async function deleteBatch({ params, state }: RouteContext): Promise<Reply> {
  state.messageBatches.delete(params[0], state.now());
  return { status: 200, json: { id: params[0], type: 'message_batch_deleted' } };
}

async function batchResults({ params, state }: RouteContext): Promise<Reply> {
  const { chunks } = state.messageBatches.results(params[0], state.now());
  return { status: 200, chunks, headers: { 'content-type': 'application/x-jsonl' } };
}

function limitParam(url: URL): number {
  const raw = url.searchParams.get('limit');
  if (raw === null || raw === '') return 20;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 1000)
    throw anthropicError(400, 'invalid_request_error', 'limit: Input should be an integer between 1 and 1000');
  return value;
}

async function listBatches({ url, state, origin }: RouteContext): Promise<Reply> {
  const page = state.messageBatches.list(
    {
      afterId: url.searchParams.get('after_id') ?? undefined,
      beforeId: url.searchParams.get('before_id') ?? undefined,
      limit: limitParam(url),
    },
    state.now(),
  );
  const data = page.data.map((b) => state.messageBatches.toJson(b, origin));
  return {
    status: 200,
    json: {
      data,
      has_more: page.hasMore,
      first_id: page.data[0]?.id ?? null,
      last_id: page.data[page.data.length - 1]?.id ?? null,
    },
  };
}

export const anthropicRoutes: Route[] = [
  { method: 'POST', pattern: /^\/v1\/messages$/, handle: createMessage },
  { method: 'POST', pattern: /^\/v1\/messages\/batches$/, handle: createBatch },
  { method: 'GET', pattern: /^\/v1\/messages\/batches$/, handle: listBatches },
  { method: 'GET', pattern: /^\/v1\/messages\/batches\/([^/]+)$/, handle: getBatch },
  { method: 'DELETE', pattern: /^\/v1\/messages\/batches\/([^/]+)$/, handle: deleteBatch },
  { method: 'POST', pattern: /^\/v1\/messages\/batches\/([^/]+)\/cancel$/, handle: cancelBatch },
  { method: 'GET', pattern: /^\/v1\/messages\/batches\/([^/]+)\/results$/, handle: batchResults },
];
