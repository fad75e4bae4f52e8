// The codec server the Temporal Web UI (and `temporal --codec-endpoint`) calls to show encrypted
// payloads: POST .../encode and .../decode, Temporal's codec-server protocol, with the keys of
// LLMBATCH_ENCRYPTION_KEY. Every call needs the token; CORS lets only the Web UI's origin read answers.
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { CodecKeys } from './codec-keys';
import { authorized, corsHeaders } from './codec-auth';
import { payloadsFromJson, payloadsToJson, ProtocolError } from './codec-protocol';
import { EncryptionCodec } from './encryption-codec';
import { listen, readBody } from './http-server';

/** Temporal's gRPC limit is 4 MB a message: a Web UI request is never larger. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface CodecServerOptions {
  keys: CodecKeys;
  token: string;
  /** Origins (`http://host:port`) whose pages may call it: the Web UI's. */
  uiOrigins: readonly string[];
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  log?: (line: string) => void;
}

export interface CodecServer {
  /** `http://host:port`, for `Authorization: Bearer` callers. */
  url: string;
  /** The same with the token as its path (for the dev server's Web UI, which cannot send a header). */
  uiEndpoint: string;
  port: number;
  close(): Promise<void>;
}

/** A token for a server started without LLMBATCH_CODEC_TOKEN. */
export function newCodecToken(): string {
  return randomBytes(24).toString('base64url');
}

function reply(res: ServerResponse, status: number, headers: Record<string, string>, body: string) {
  res.writeHead(status, {
    ...headers,
    'content-type': status < 300 ? 'application/json' : 'text/plain; charset=utf-8',
  });
  res.end(status < 300 ? body : `${body}\n`);
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const codec = new EncryptionCodec(options.keys);
  const log = options.log ?? ((line: string) => console.error(line));
  const server = createServer((req, res) => {
    const cors = corsHeaders(req.headers.origin, options.uiOrigins);
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
    const action = /\/(encode|decode)$/.exec(path)?.[1];
    // A preflight carries no credentials: it is answered for the Web UI's origin and nobody else.
    if (req.method === 'OPTIONS') return reply(res, 'access-control-allow-origin' in cors ? 204 : 403, cors, '');
    if (!action) return reply(res, 404, cors, 'not found: POST /encode or /decode');
    if (req.method !== 'POST') return reply(res, 405, cors, 'method not allowed: POST');
    if (!authorized(req.headers, path.slice(0, -action.length - 1), options.token)) {
      return reply(
        res,
        401,
        { ...cors, 'www-authenticate': 'Bearer' },
        'unauthorized: send Authorization: Bearer <token>',
      );
    }
    readBody(req, MAX_BODY_BYTES)
      .then(async (body) => {
        if (body === undefined) return reply(res, 413, cors, `a request is at most ${MAX_BODY_BYTES} bytes`);
        const payloads = payloadsFromJson(body);
        const converted = action === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
        reply(res, 200, cors, payloadsToJson(converted));
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (!(error instanceof ProtocolError)) log(`codec server: ${action} failed: ${message}`);
        if (!res.headersSent) reply(res, 400, cors, message);
      });
  });
  const listening = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  return { ...listening, uiEndpoint: `${listening.url}/${encodeURIComponent(options.token)}` };
}
