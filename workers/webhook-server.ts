// The worker's HTTP endpoint for OpenAI batch webhooks: POST /webhooks/openai. Point the OpenAI
// project's webhook (Settings > Webhooks) at it through a public URL and set OPENAI_WEBHOOK_SECRET;
// `dev`, the demo, the tests and the benches point the simulator at it. Answers fast, as OpenAI
// asks: a signal is all the work; 400 for an event that does not verify, 503 when Temporal cannot
// be reached (the sender retries), 200 for everything else.
import { createServer } from 'node:http';
import type { Client } from '@temporalio/client';
import type { BatchRecords } from '../store';
import { createBatchWebhookHandler } from './batch-webhooks';
import { listen, readBody } from './http-server';

export const WEBHOOK_PATH = '/webhooks/openai';

/** Events are a few hundred bytes; a cap keeps a stranger from filling the worker's memory. */
const MAX_BODY_BYTES = 64 * 1024;

export interface WebhookServerOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  secret: string;
  store: { batches: Pick<BatchRecords, 'owner'> };
  client: Client;
  /** Where refusals and failures are told (default: stderr). */
  log?: (line: string) => void;
}

export interface WebhookServer {
  /** `http://host:port/webhooks/openai`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const log = options.log ?? ((line: string) => console.error(line));
  const handle = createBatchWebhookHandler(options);
  const server = createServer((req, res) => {
    const reply = (status: number, message: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${message}\n`);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path !== WEBHOOK_PATH) return reply(404, `not found: POST ${WEBHOOK_PATH}`);
    if (req.method !== 'POST') return reply(405, `method not allowed: POST ${WEBHOOK_PATH}`);
    readBody(req, MAX_BODY_BYTES)
      .then(async (body) => {
        if (body === undefined) return reply(413, `an event is at most ${MAX_BODY_BYTES} bytes`);
        const answer = await handle(body.toString('utf8'), req.headers);
        if (answer.status >= 400) log(`webhook ${answer.message}`);
        reply(answer.status, answer.message);
      })
      .catch((error: unknown) => {
        log(`webhook could not be handled: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) reply(503, 'could not signal the chunk; retry later');
      });
  });
  const listening = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  return { ...listening, url: `${listening.url}${WEBHOOK_PATH}` };
}
