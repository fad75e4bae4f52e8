// The simulator's HTTP server (node:http, no framework): one port for the OpenAI paths under /v1
// and the admin API under /_sim. Every /v1 call passes the fault gate first (latency, outages,
// 500s before doing anything) and may lose its response after taking effect; /_sim never does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { adminRoutes } from './admin-routes';
import { ApiError, notFound, serverError, serviceUnavailable } from './errors';
import { drain, sendError, sendJson, sleep } from './http-util';
import { randomId } from './ids';
import type { Ledger } from './ledger';
import { openaiRoutes } from './openai-routes';
import type { Reply, Route } from './routes-types';
import { SimulatorState } from './state';

export interface RunningSimulator {
  /** `http://127.0.0.1:PORT`: no trailing slash and no `/v1` (SDKs take `${url}/v1`). */
  url: string;
  port: number;
  ledger(): Ledger;
  /** Replaces the whole profile (unset fields take their defaults), reseeds and restarts the outage clock. */
  setProfile(profile: unknown): void;
  /** Forgets files, batches and the ledger; reseeds. */
  reset(): void;
  close(): Promise<void>;
}

export interface StartOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  profile?: unknown;
}

export const DEFAULT_SIMULATOR_PORT = 8089;

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

async function handle(state: SimulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers = { 'x-request-id': randomId('req_', 32), 'openai-processing-ms': '1' };
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://simulator');
  const path = url.pathname.replace(/\/+$/, '') || '/';

  const fail = async (err: ApiError) => {
    await drain(req);
    if (!res.headersSent) sendError(res, err, headers);
  };

  const isAdmin = path.startsWith('/_sim/');
  const found = match(isAdmin ? adminRoutes : openaiRoutes, method, path);
  if (!found) return fail(notFound(`Invalid URL (${method} ${url.pathname})`));

  let lostResponse = false;
  if (!isAdmin) {
    const { http } = state.profile;
    await sleep(http.latencyMs);
    if (state.inOutage(state.now())) return fail(serviceUnavailable());
    if (state.httpRng.chance(http.errorRate)) return fail(serverError());
    // Drawn now, applied after the handler: the change happens, the client just never hears of it.
    lostResponse = state.httpRng.chance(http.lostResponseRate);
  }

  let reply: Reply;
  try {
    reply = await found.route.handle({ req, url, params: found.params, state });
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
  const state = new SimulatorState(opts.profile);
  const server = createServer((req, res) => {
    handle(state, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, internal(err));
      else res.destroy();
    });
  });
  // SDK clients keep connections alive; the server must not hold them past an idle test.
  server.keepAliveTimeout = 5_000;

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
    ledger: () => {
      state.batches.advanceAll(state.now());
      return state.ledger.snapshot();
    },
    setProfile: (profile) => {
      state.setProfile(profile);
    },
    reset: () => state.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        state.batches.stopBackground();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
