// The Gemini API paths on the same port, as @google/genai calls them (Developer API, v1beta):
// generateContent and batchGenerateContent on a model, the batches (get, list, cancel, delete),
// and the Files API's resumable upload, get, delete and download. Errors are rendered in Google's
// shape by the server (the route's provider is 'gemini').
import { googleError } from '../core/errors';
import { readJson, sleep } from '../core/http-util';
import { corruptionOf } from '../core/batch-results';
import { lineIds } from '../core/ids';
import { retryAfterHeaders } from '../core/rate-limit';
import type { Reply, Route, RouteContext } from '../core/routes-types';
import { throwGeminiSyncFault } from './gemini-sync-faults';
import { checkLimits, drawSyncFault } from '../core/sync';
import { MAX_INLINE_BATCH_BYTES, geminiRequestHash, parseBatchBody } from './gemini-batches';
import { geminiEmbeddingRoutes } from './gemini-embeddings';
import {
  answerGenerate,
  bareModel,
  generateContentResponse,
  generateRequestProblem,
  knownGeminiModel,
} from './gemini-model';

const responseIds = lineIds('');

function requireModel(model: string, method: string): string {
  if (!knownGeminiModel(model))
    throw googleError(
      404,
      `models/${bareModel(model)} is not found for API version v1beta, or is not supported for ${method}.`,
    );
  return bareModel(model);
}

/** Bodies up to this are read; past the API's 20 MB they are refused as Google does, with a 400. */
const READ_CAP = 64 * 1024 * 1024;

/** generateContent on the Gemini API's path, and on Vertex AI's (the model is the last path parameter). */
export async function generateContent(ctx: RouteContext): Promise<Reply> {
  const { state } = ctx;
  const model = requireModel(ctx.params[ctx.params.length - 1], 'generateContent');
  const body = await readJson(ctx.req, MAX_INLINE_BATCH_BYTES);
  const problem = generateRequestProblem(body);
  if (problem) throw googleError(400, problem);
  const params = body as Record<string, unknown>;
  const hash = geminiRequestHash(params, model);
  const clean = answerGenerate(params, 'none', hash);
  const verdict = checkLimits(state, ctx.provider, clean.promptTokens + clean.outputTokens);
  if (!verdict.ok) {
    const what = verdict.kind === 'requests' ? 'requests per minute' : 'input tokens per minute';
    throw googleError(
      429,
      `You exceeded your current quota (${what}, simulated). Please retry in ${Math.ceil(verdict.retryAfterMs / 1000)}s.`,
      retryAfterHeaders(verdict.retryAfterMs),
    );
  }
  await sleep(state.profile.sync.latencyMs);
  const outcome = drawSyncFault(state, hash);
  throwGeminiSyncFault(outcome);
  const corruption = corruptionOf(outcome);
  const answer = corruption === 'none' ? clean : answerGenerate(params, corruption, hash);
  state.ledger.bill('sync', ctx.provider, {
    model,
    inputTokens: answer.promptTokens,
    outputTokens: answer.outputTokens,
    bodyHash: hash,
    corrupted: corruption !== 'none' || ctx.responseLost,
    lost: ctx.responseLost,
  });
  return { status: 200, json: generateContentResponse(model, answer, responseIds(Date.now())) };
}

async function createBatch(ctx: RouteContext): Promise<Reply> {
  const { state } = ctx;
  const model = requireModel(ctx.params[0], 'batchGenerateContent');
  const body = await readJson(ctx.req, READ_CAP);
  if (Buffer.byteLength(JSON.stringify(body)) > MAX_INLINE_BATCH_BYTES)
    throw googleError(400, `Request payload size exceeds the limit: ${MAX_INLINE_BATCH_BYTES} bytes.`);
  const parsed = parseBatchBody(body, state.geminiFiles);
  const batch = state.geminiBatches.create(model, parsed, state.profile, state.batchRng, state.now());
  return { status: 200, json: state.geminiBatches.toJson(batch) };
}

async function getBatch({ params, state }: RouteContext): Promise<Reply> {
  return { status: 200, json: state.geminiBatches.toJson(state.geminiBatches.get(params[0], state.now())) };
}

async function cancelBatch({ params, state }: RouteContext): Promise<Reply> {
  state.geminiBatches.cancel(params[0], state.now());
  return { status: 200, json: {} };
}

async function deleteBatch({ params, state }: RouteContext): Promise<Reply> {
  state.geminiBatches.delete(params[0], state.now());
  return { status: 200, json: {} };
}

async function listBatches({ url, state }: RouteContext): Promise<Reply> {
  const raw = url.searchParams.get('pageSize');
  const pageSize = raw === null || raw === '' ? 50 : Number(raw);
  if (!Number.isInteger(pageSize) || pageSize < 1) throw googleError(400, 'page_size must be a positive integer');
  const page = state.geminiBatches.list(
    Math.min(pageSize, 1000),
    url.searchParams.get('pageToken') ?? undefined,
    state.now(),
  );
  return {
    status: 200,
    json: {
      operations: page.data.map((b) => state.geminiBatches.toJson(b)),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    },
  };
}

function header(ctx: RouteContext, name: string): string | undefined {
  const value = ctx.req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

async function readAll(ctx: RouteContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The resumable upload: `start` answers with the session's URL; `upload[, finalize]` takes the bytes. */
async function upload(ctx: RouteContext): Promise<Reply> {
  const { state } = ctx;
  const command = (header(ctx, 'x-goog-upload-command') ?? '').toLowerCase();
  const session = ctx.url.searchParams.get('upload_id');
  if (session === null) {
    if (command !== 'start' || (header(ctx, 'x-goog-upload-protocol') ?? '').toLowerCase() !== 'resumable')
      throw googleError(
        400,
        'Only resumable uploads are supported: X-Goog-Upload-Protocol: resumable, X-Goog-Upload-Command: start.',
      );
    const body = (await readJson(ctx.req)) as { file?: { displayName?: string; mimeType?: string } };
    const id = state.geminiFiles.start({
      displayName: body.file?.displayName,
      mimeType: header(ctx, 'x-goog-upload-header-content-type') ?? body.file?.mimeType,
      declaredBytes: Number(header(ctx, 'x-goog-upload-header-content-length') ?? 0),
    });
    return {
      status: 200,
      json: {},
      headers: {
        'x-goog-upload-url': `${ctx.origin}/upload/v1beta/files?upload_id=${id}&upload_protocol=resumable`,
        'x-goog-upload-status': 'active',
      },
    };
  }
  const parts = command.split(',').map((c) => c.trim());
  if (!parts.includes('upload')) throw googleError(400, `Unsupported X-Goog-Upload-Command: ${command}`);
  const offset = Number(header(ctx, 'x-goog-upload-offset') ?? 0);
  const file = state.geminiFiles.upload(session, offset, await readAll(ctx), parts.includes('finalize'));
  if (!file) return { status: 200, json: {}, headers: { 'x-goog-upload-status': 'active' } };
  return {
    status: 200,
    json: { file: state.geminiFiles.toJson(file, ctx.origin) },
    headers: { 'x-goog-upload-status': 'final' },
  };
}

async function getFile({ params, state, origin }: RouteContext): Promise<Reply> {
  return { status: 200, json: state.geminiFiles.toJson(state.geminiFiles.get(params[0]), origin) };
}

async function deleteFile({ params, state }: RouteContext): Promise<Reply> {
  state.geminiFiles.delete(params[0]);
  return { status: 200, json: {} };
}

async function downloadFile({ params, url, state }: RouteContext): Promise<Reply> {
  if (url.searchParams.get('alt') !== 'media') throw googleError(400, 'Download requires alt=media.');
  const file = state.geminiFiles.get(params[0]);
  return { status: 200, chunks: file.chunks, headers: { 'content-type': file.mimeType } };
}

export const geminiRoutes: Route[] = [
  { method: 'POST', pattern: /^\/v1beta\/models\/([^/:]+):generateContent$/, handle: generateContent },
  { method: 'POST', pattern: /^\/v1beta\/models\/([^/:]+):batchGenerateContent$/, handle: createBatch },
  { method: 'GET', pattern: /^\/v1beta\/batches$/, handle: listBatches },
  { method: 'GET', pattern: /^\/v1beta\/batches\/([^/:]+)$/, handle: getBatch },
  { method: 'DELETE', pattern: /^\/v1beta\/batches\/([^/:]+)$/, handle: deleteBatch },
  { method: 'POST', pattern: /^\/v1beta\/batches\/([^/:]+):cancel$/, handle: cancelBatch },
  { method: 'POST', pattern: /^\/upload\/v1beta\/files$/, handle: upload },
  { method: 'GET', pattern: /^\/v1beta\/files\/([^/:]+)$/, handle: getFile },
  { method: 'DELETE', pattern: /^\/v1beta\/files\/([^/:]+)$/, handle: deleteFile },
  { method: 'GET', pattern: /^\/v1beta\/files\/([^/:]+):download$/, handle: downloadFile },
  ...geminiEmbeddingRoutes,
];
