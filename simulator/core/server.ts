// The simulator's HTTP server (node:http, no framework): one port for the OpenAI and Anthropic paths
// under /v1, Azure OpenAI's under /openai, and the admin API under /_sim. Every provider call
// must carry an API key (any non-empty one: the simulator checks presence, not validity), then
// passes the fault gate (latency, outages, 500s before doing anything) and may lose its response
// after taking effect; /_sim needs no key and is never faulted. Errors and request-id headers take
// the shape of the provider whose path was called.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { adminRoutes } from './admin-routes';
import { anthropicRoutes } from '../anthropic/anthropic-routes';
import { geminiRoutes } from '../google/gemini-routes';
import { oauthRoutes } from '../google/oauth-routes';
import { vertexRoutes } from '../google/vertex-routes';
import { bedrockRoutes } from '../bedrock/bedrock-routes';
import type { S3Settings } from '../bedrock/job-objects';
import { azureRoutes } from '../openai/azure-routes';
import {
  ApiError,
  awsExceptionName,
  googleError,
  googleHttpStatus,
  missingApiKey,
  notFound,
  outageError,
  serverError,
} from './errors';
import { drain, sendJson, sleep } from './http-util';
import { randomId } from './ids';
import type { Ledger, Provider } from './ledger';
import { openaiRoutes } from '../openai/openai-routes';
import type { Reply, Route } from './routes-types';
import { SimulatorState } from './state';
import type { WebhookStats } from '../openai/webhooks';

/** How often batches are moved along by the clock alone when webhooks must announce their end. */
const WEBHOOK_TICK_MS = 20;

export interface RunningSimulator {
  /**
   * `http://127.0.0.1:PORT`, no trailing slash: the `baseURL` of Anthropic's SDK and the `endpoint`
   * of AzureOpenAI; the OpenAI SDK takes `${url}/v1`.
   */
  url: string;
  port: number;
  ledger(): Ledger;
  /** Replaces the whole profile (unset fields take their defaults), reseeds and restarts the outage clock. */
  setProfile(profile: unknown): void;
  /** Forgets files, batches and the ledger; reseeds. */
  reset(): void;
  /** Webhook deliveries so far (profile `webhooks`). */
  webhookStats(): WebhookStats;
  /** When an OpenAI-path batch was created and reached its final status (ms); undefined while it runs. */
  batchTimeline(batchId: string): { createdAtMs: number; endedAtMs: number; status: string } | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  profile?: unknown;
  /**
   * http://host:port of the Cloud Storage server (fake-gcs-server) Vertex AI jobs read their input
   * from and write their predictions to; without one, every Vertex job create is refused.
   */
  storageUrl?: string;
  /** The S3 server Bedrock jobs read and write (path-style); without one, jobs are refused. */
  s3?: S3Settings;
}

export const DEFAULT_SIMULATOR_PORT = 8089;

/** `oauth`: Google's token endpoint, which takes no key and is never faulted (like the admin API). */
type Family = Provider | 'admin' | 'oauth';

/** Which path family a path belongs to: decides the routes, the fault gate and the error shape. */
function familyOf(path: string): Family {
  if (path.startsWith('/_sim/')) return 'admin';
  if (path.startsWith('/openai/') || path === '/openai') return 'azure';
  if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return 'anthropic';
  if (path.startsWith('/v1beta/') || path.startsWith('/upload/v1beta/')) return 'gemini';
  if (/^\/(v1|v1beta1)\/projects\//.test(path)) return 'vertex';
  if (path === '/token' || path === '/v1/token') return 'oauth';
  if (path.startsWith('/model-invocation-job') || path.startsWith('/model/')) return 'bedrock';
  return 'openai';
}

const ROUTES: Record<Family, Route[]> = {
  admin: adminRoutes,
  openai: openaiRoutes,
  azure: azureRoutes,
  anthropic: anthropicRoutes,
  gemini: geminiRoutes,
  vertex: vertexRoutes,
  oauth: oauthRoutes,
  bedrock: bedrockRoutes,
};

function match(routes: Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1).map(decodeParam) };
  }
  return undefined;
}

/** A malformed %-escape is just an id that does not exist, not a crash. */
function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function send(res: ServerResponse, reply: Reply, headers: Record<string, string>): void {
  if ('json' in reply) {
    sendJson(res, reply.status, reply.json, { ...headers, ...reply.headers });
    return;
  }
  const length = reply.chunks.reduce((n, c) => n + c.length, 0);
  res.writeHead(reply.status, { ...headers, ...reply.headers, 'content-length': String(length) });
  // Streamed chunk by chunk with backpressure; a big output file is never copied into one buffer.
  Readable.from(reply.chunks).pipe(res);
}

function headersFor(family: Family): Record<string, string> {
  switch (family) {
    case 'anthropic':
      return { 'request-id': randomId('req_01', 22) };
    case 'gemini':
    case 'vertex':
      return { 'x-goog-request-id': randomId('', 16) };
    case 'bedrock':
      return { 'x-amzn-requestid': randomUUID() };
    case 'azure': {
      const id = randomId('', 32);
      return { 'x-request-id': id, 'apim-request-id': id };
    }
    default:
      return { 'x-request-id': randomId('req_', 32), 'openai-processing-ms': '1' };
  }
}

function sendError(res: ServerResponse, err: ApiError, family: Family, headers: Record<string, string>): void {
  if (family === 'gemini' || family === 'vertex') {
    sendJson(res, googleHttpStatus(err.status), err.googleBody(), { ...headers, ...err.headers });
    return;
  }
  if (family === 'oauth') {
    sendJson(res, err.status, { error: err.type, error_description: err.message }, headers);
    return;
  }
  if (family === 'bedrock') {
    // AWS names the exception in a header; the SDK makes its error class from it.
    const name = awsExceptionName(err);
    sendJson(res, err.status, { message: err.message }, { ...headers, ...err.headers, 'x-amzn-errortype': name });
    return;
  }
  const body = family === 'anthropic' ? err.anthropicBody(headers['request-id'] ?? null) : err.body();
  // Anthropic's overload is 529; an outage there is one too, where OpenAI answers 503.
  const status = family === 'anthropic' && err.code === 'service_unavailable' ? 529 : err.status;
  sendJson(res, status, body, { ...headers, ...err.headers });
}

/**
 * Whether the call carries an API key where its service looks for one: `Authorization: Bearer` on
 * every path (OpenAI's only way; Anthropic's SDK sends its key so too; Azure's for Entra tokens),
 * `x-api-key` on Anthropic's paths, `api-key` on Azure's. Any non-empty value will do.
 */
function hasApiKey(req: IncomingMessage, provider: Provider, state: SimulatorState): boolean {
  const header = (name: string) => {
    const value = req.headers[name];
    return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim();
  };
  // Vertex AI takes no API key here, only an OAuth2 access token this simulator's /token issued.
  if (provider === 'vertex') return state.vertexTokens.has(header('authorization').replace(/^Bearer\s+/i, ''));
  if (/^Bearer\s+\S/i.test(header('authorization'))) return true;
  if (provider === 'anthropic') return header('x-api-key') !== '';
  if (provider === 'azure') return header('api-key') !== '';
  // Bedrock: a SigV4 signature (checked to be there, not verified).
  if (provider === 'bedrock') return /^AWS4-HMAC-SHA256\s+Credential=\S/.test(header('authorization'));
  // Gemini: x-goog-api-key (what @google/genai sends), or ?key= as the REST docs show.
  if (provider === 'gemini')
    return header('x-goog-api-key') !== '' || new URL(req.url ?? '/', 'http://x').searchParams.has('key');
  return false;
}

async function handle(state: SimulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://simulator');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const family = familyOf(path);
  const headers = headersFor(family);

  const fail = async (err: ApiError) => {
    await drain(req);
    if (!res.headersSent) sendError(res, err, family, headers);
  };

  const found = match(ROUTES[family], method, path);
  if (!found)
    return fail(
      family === 'gemini' || family === 'vertex'
        ? googleError(404, `Method not found: ${method} ${url.pathname}`)
        : notFound(`Invalid URL (${method} ${url.pathname})`),
    );
  // Azure refuses any call without an api-version, the way it refuses an unknown resource.
  if (family === 'azure' && !url.searchParams.get('api-version'))
    return fail(new ApiError(404, 'Resource not found', 'invalid_request_error', 'api-version', '404'));

  let lostResponse = false;
  if (family !== 'admin' && family !== 'oauth') {
    const { http } = state.profile;
    await sleep(http.latencyMs);
    // Refused before any fault is drawn: a keyless call does not shift the seeded streams.
    if (!hasApiKey(req, family, state)) return fail(missingApiKey(family));
    const now = state.now();
    const outage = state.outageAt(now, family);
    if (outage) return fail(outageError(outage.status, family, state.epochMs + outage.afterMs + outage.forMs - now));
    if (state.httpRng.chance(http.errorRate)) return fail(serverError());
    // Drawn now, applied after the handler: the change happens, the client just never hears of it.
    lostResponse = state.httpRng.chance(http.lostResponseRate);
  }

  const provider: Provider = family === 'admin' || family === 'oauth' ? 'openai' : family;
  const origin = `http://${req.headers.host ?? 'localhost'}`;
  let reply: Reply;
  try {
    reply = await found.route.handle({
      req,
      url,
      params: found.params,
      state,
      provider,
      origin,
      responseLost: lostResponse,
    });
  } catch (err) {
    return fail(err instanceof ApiError ? err : internal(err));
  }
  if (lostResponse) return fail(serverError());
  send(res, reply, headers);
}

function internal(err: unknown): ApiError {
  // A simulator bug must surface as a 500 with the reason, not as a hung request.
  return new ApiError(500, `Simulator internal error: ${(err as Error)?.message ?? String(err)}`, 'server_error');
}

export async function startSimulator(opts: StartOptions = {}): Promise<RunningSimulator> {
  const state = new SimulatorState(opts.profile, opts.storageUrl, opts.s3);
  const server = createServer((req, res) => {
    handle(state, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, internal(err).body());
      else res.destroy();
    });
  });
  // SDK clients keep connections alive; the server must not hold them past an idle test.
  server.keepAliveTimeout = 5_000;
  // Batches advance lazily, when read; a webhook must go out when the batch ends even if nobody
  // reads it (that is its point), so with webhooks on the clock moves them along.
  const ticker = setInterval(() => {
    if (state.profile.webhooks) state.batches.advanceAll(state.now());
  }, WEBHOOK_TICK_MS);
  ticker.unref();

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    ledger: () => state.ledgerNow(),
    setProfile: (profile) => {
      state.setProfile(profile);
    },
    reset: () => state.reset(),
    webhookStats: () => ({ ...state.webhooks.stats }),
    batchTimeline: (batchId) => state.batches.timeline(batchId, state.now()),
    close: () =>
      new Promise<void>((resolve, reject) => {
        clearInterval(ticker);
        state.stopBackground();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
