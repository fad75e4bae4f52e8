// Vertex AI's paths on the same port, as @google/genai calls them in Vertex mode (`vertexai: true`,
// a project and location, the simulator as baseUrl): batchPredictionJobs (create, get, list,
// cancel, delete) and generateContent under /v1beta1 (the SDK's default) or /v1
// `projects/{p}/locations/{l}/...`. Every call needs an OAuth2 access token this simulator issued
// (oauth-routes.ts). Errors are rendered in Google's shape by the server.
import { googleError } from '../core/errors';
import { readJson } from '../core/http-util';
import type { Reply, Route, RouteContext } from '../core/routes-types';
import { generateContent } from './gemini-routes';
import { parseCreateBody } from './vertex-jobs';

const PARENT = String.raw`^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)`;

function parentOf(params: string[]): string {
  return `projects/${params[1]}/locations/${params[2]}`;
}

async function createJob(ctx: RouteContext): Promise<Reply> {
  const { state } = ctx;
  const input = parseCreateBody(await readJson(ctx.req));
  const job = await state.vertexJobs.create(parentOf(ctx.params), input, state.profile, state.batchRng, state.now());
  return { status: 200, json: state.vertexJobs.toJson(job) };
}

async function getJob({ params, state }: RouteContext): Promise<Reply> {
  const job = await state.vertexJobs.get(parentOf(params), params[3], state.now());
  return { status: 200, json: state.vertexJobs.toJson(job) };
}

async function cancelJob({ params, state }: RouteContext): Promise<Reply> {
  await state.vertexJobs.cancel(parentOf(params), params[3], state.now());
  return { status: 200, json: {} };
}

/** Delete is a long-running operation at Vertex; this one is done at once. */
async function deleteJob({ params, state }: RouteContext): Promise<Reply> {
  const job = await state.vertexJobs.delete(parentOf(params), params[3], state.now());
  return {
    status: 200,
    json: {
      name: `${job.name}/operations/${Date.now()}`,
      metadata: { '@type': 'type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata' },
      done: true,
      response: { '@type': 'type.googleapis.com/google.protobuf.Empty' },
    },
  };
}

async function listJobs({ params, url, state }: RouteContext): Promise<Reply> {
  const raw = url.searchParams.get('pageSize');
  const pageSize = raw === null || raw === '' ? 100 : Number(raw);
  if (!Number.isInteger(pageSize) || pageSize < 1) throw googleError(400, 'page_size must be a positive integer');
  const page = await state.vertexJobs.list(
    parentOf(params),
    url.searchParams.get('filter'),
    Math.min(pageSize, 1000),
    url.searchParams.get('pageToken') ?? undefined,
    state.now(),
  );
  return {
    status: 200,
    json: {
      batchPredictionJobs: page.data.map((j) => state.vertexJobs.toJson(j)),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    },
  };
}

const route = (method: string, tail: string, handle: Route['handle']): Route => ({
  method,
  pattern: new RegExp(`${PARENT}${tail}$`),
  handle,
});

export const vertexRoutes: Route[] = [
  route('POST', String.raw`\/batchPredictionJobs`, createJob),
  route('GET', String.raw`\/batchPredictionJobs`, listJobs),
  route('GET', String.raw`\/batchPredictionJobs\/([^/:]+)`, getJob),
  route('DELETE', String.raw`\/batchPredictionJobs\/([^/:]+)`, deleteJob),
  route('POST', String.raw`\/batchPredictionJobs\/([^/:]+):cancel`, cancelJob),
  route('POST', String.raw`\/publishers\/google\/models\/([^/:]+):generateContent`, generateContent),
];
