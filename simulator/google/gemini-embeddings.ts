// Gemini embeddings as @google/genai 3.6.1 sends them to the Developer API: `batchEmbedContents` on
// a model (the SDK's models.embedContent, our sync lane) and `asyncBatchEmbedContent` (the SDK's
// batches.createEmbeddings: a Batch Mode batch like batchGenerateContent's, whose file lines or inline
// requests are EmbedContentRequests). Vectors and request checks come from
// gemini-embed-model.ts.
import { googleError } from '../core/errors';
import { readJson, sleep } from '../core/http-util';
import type { Reply, Route, RouteContext } from '../core/routes-types';
import { throwGeminiSyncFault } from './gemini-sync-faults';
import { checkLimits, drawSyncFault } from '../core/sync';
import { isEmbeddingModel } from '../../common/embeddings';
import { MAX_INLINE_BATCH_BYTES, geminiRequestHash, parseBatchBody } from './gemini-batches';
import { bareModel, knownGeminiModel } from './gemini-model';
import { answerEmbedRequest, embedRequestProblem } from './gemini-embed-model';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function requireEmbeddingModel(model: string, method: string): string {
  const bare = bareModel(model);
  if (!knownGeminiModel(model) || !isEmbeddingModel(bare))
    throw googleError(404, `models/${bare} is not found for API version v1beta, or is not supported for ${method}.`);
  return bare;
}

/** models.embedContent: `{requests: [{model, content, outputDimensionality}]}` -> `{embeddings: [{values}]}`. */
async function batchEmbedContents(ctx: RouteContext): Promise<Reply> {
  const { state } = ctx;
  const model = requireEmbeddingModel(ctx.params[0], 'batchEmbedContents');
  const body = await readJson(ctx.req, MAX_INLINE_BATCH_BYTES);
  const requests = isObject(body) ? body.requests : undefined;
  if (!Array.isArray(requests) || requests.length === 0)
    throw googleError(400, '* BatchEmbedContentsRequest.requests: at least one request is required');
  for (const [i, r] of requests.entries()) {
    const problem = embedRequestProblem(r, model);
    if (problem) throw googleError(400, `requests[${i}]: ${problem}`);
    if (isObject(r) && typeof r.model === 'string' && bareModel(r.model) !== model)
      throw googleError(400, `requests[${i}].model: ${r.model} is not the model of the call (models/${model})`);
  }
  const answers = requests.map((r) => {
    const { model: _named, ...rest } = r as Record<string, unknown>;
    void _named;
    return { ...answerEmbedRequest(rest, model), hash: geminiRequestHash(rest, model) };
  });
  const tokens = answers.reduce((sum, a) => sum + a.tokens, 0);
  const verdict = checkLimits(state, 'gemini', tokens);
  if (!verdict.ok)
    throw googleError(
      429,
      `You exceeded your current quota (simulated). Please retry in ${Math.ceil(verdict.retryAfterMs / 1000)}s.`,
    );
  await sleep(state.profile.sync.latencyMs);
  const hash = answers.map((a) => a.hash).join(',');
  const outcome = drawSyncFault(state, hash);
  throwGeminiSyncFault(outcome);
  for (const a of answers)
    state.ledger.bill('sync', 'gemini', {
      model,
      inputTokens: a.tokens,
      outputTokens: 0,
      bodyHash: a.hash,
      corrupted: ctx.responseLost,
      lost: ctx.responseLost,
    });
  // usageMetadata as the SDK's EmbedContentResponse types it: what the sync lane bills by.
  return {
    status: 200,
    json: { embeddings: answers.map((a) => ({ values: a.values })), usageMetadata: { promptTokenCount: tokens } },
  };
}

/** batches.createEmbeddings: a Batch Mode batch of EmbedContentRequests. */
async function asyncBatchEmbedContent(ctx: RouteContext): Promise<Reply> {
  const { state } = ctx;
  const model = requireEmbeddingModel(ctx.params[0], 'asyncBatchEmbedContent');
  const body = await readJson(ctx.req, MAX_INLINE_BATCH_BYTES);
  const parsed = parseBatchBody(body, state.geminiFiles);
  const batch = state.geminiBatches.create(model, parsed, state.profile, state.batchRng, state.now(), 'embed');
  return { status: 200, json: state.geminiBatches.toJson(batch) };
}

export const geminiEmbeddingRoutes: Route[] = [
  { method: 'POST', pattern: /^\/v1beta\/models\/([^/:]+):batchEmbedContents$/, handle: batchEmbedContents },
  { method: 'POST', pattern: /^\/v1beta\/models\/([^/:]+):asyncBatchEmbedContent$/, handle: asyncBatchEmbedContent },
];
