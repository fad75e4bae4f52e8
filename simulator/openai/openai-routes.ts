// The OpenAI paths (shared/specs/openai-batch-files-chat-embeddings.openapi.json): files, batches,
// chat completions and embeddings. Handlers validate like the real API and return replies; fault
// injection lives in the server, around them.
import { invalidRequest } from '../core/errors';
import { fileObject, receiveUpload, storeUpload } from './files';
import { readJson } from '../core/http-util';
import type { Reply, Route, RouteContext } from '../core/routes-types';
import { chatCompletions, embeddings } from './openai-sync';

function intParam(url: URL, name: string, def: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return def;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalidRequest(`Invalid '${name}': expected an integer between ${min} and ${max}.`, name, 'invalid_value');
  return value;
}

async function uploadFile({ req, state }: RouteContext): Promise<Reply> {
  const upload = await receiveUpload(req);
  return { status: 200, json: fileObject(storeUpload(state.files, upload, state.now())) };
}

async function listFiles({ url, state }: RouteContext): Promise<Reply> {
  const order = url.searchParams.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalidRequest("Invalid 'order': expected 'asc' or 'desc'.", 'order');
  const page = state.files.list({
    purpose: url.searchParams.get('purpose') ?? undefined,
    limit: intParam(url, 'limit', 10_000, 1, 10_000),
    order,
    after: url.searchParams.get('after') ?? undefined,
  });
  return {
    status: 200,
    json: {
      object: 'list',
      data: page.data.map(fileObject),
      // The spec requires both as strings; an empty page has no id to give, so it gets ''.
      first_id: page.data[0]?.id ?? '',
      last_id: page.data[page.data.length - 1]?.id ?? '',
      has_more: page.hasMore,
    },
  };
}

async function getFile({ params, state }: RouteContext): Promise<Reply> {
  return { status: 200, json: fileObject(state.files.get(params[0])) };
}

async function deleteFile({ params, state }: RouteContext): Promise<Reply> {
  state.files.delete(params[0]);
  return { status: 200, json: { id: params[0], object: 'file', deleted: true } };
}

async function fileContent({ params, state }: RouteContext): Promise<Reply> {
  const file = state.files.get(params[0]);
  return { status: 200, chunks: file.chunks, headers: { 'content-type': 'application/octet-stream' } };
}

async function createBatch({ req, state, provider }: RouteContext): Promise<Reply> {
  const body = await readJson(req);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalidRequest('The request body must be a JSON object.');
  const now = state.now();
  const batch = state.batches.create(body, state.profile, state.batchRng, now, provider);
  return { status: 200, json: state.batches.toJson(batch, now) };
}

async function getBatch({ params, state }: RouteContext): Promise<Reply> {
  const now = state.now();
  return { status: 200, json: state.batches.toJson(state.batches.get(params[0], now), now) };
}

async function cancelBatch({ params, state }: RouteContext): Promise<Reply> {
  const now = state.now();
  return { status: 200, json: state.batches.toJson(state.batches.cancel(params[0], now), now) };
}

async function listBatches({ url, state }: RouteContext): Promise<Reply> {
  const now = state.now();
  const page = state.batches.list(url.searchParams.get('after') ?? undefined, intParam(url, 'limit', 20, 1, 100), now);
  const data = page.data.map((b) => state.batches.toJson(b, now));
  return {
    status: 200,
    json: {
      object: 'list',
      data,
      ...(page.data.length > 0 ? { first_id: page.data[0].id, last_id: page.data[page.data.length - 1].id } : {}),
      has_more: page.hasMore,
    },
  };
}

/** The handlers by name, for the Azure paths that reuse them under /openai. */
export const openaiHandlers = {
  uploadFile,
  listFiles,
  getFile,
  deleteFile,
  fileContent,
  createBatch,
  listBatches,
  getBatch,
  cancelBatch,
  chatCompletions,
  embeddings,
};

export const openaiRoutes: Route[] = [
  { method: 'POST', pattern: /^\/v1\/files$/, handle: uploadFile },
  { method: 'GET', pattern: /^\/v1\/files$/, handle: listFiles },
  { method: 'GET', pattern: /^\/v1\/files\/([^/]+)$/, handle: getFile },
  { method: 'DELETE', pattern: /^\/v1\/files\/([^/]+)$/, handle: deleteFile },
  { method: 'GET', pattern: /^\/v1\/files\/([^/]+)\/content$/, handle: fileContent },
  { method: 'POST', pattern: /^\/v1\/batches$/, handle: createBatch },
  { method: 'GET', pattern: /^\/v1\/batches$/, handle: listBatches },
  { method: 'GET', pattern: /^\/v1\/batches\/([^/]+)$/, handle: getBatch },
  { method: 'POST', pattern: /^\/v1\/batches\/([^/]+)\/cancel$/, handle: cancelBatch },
  { method: 'POST', pattern: /^\/v1\/chat\/completions$/, handle: chatCompletions },
  { method: 'POST', pattern: /^\/v1\/embeddings$/, handle: embeddings },
];
