// The few HTTP chores node:http leaves to us: JSON bodies in and out, and draining a request
// we answer without reading (an early error must not leave the client blocked mid-upload).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, invalidRequest } from './errors';

/** Chat and batch bodies are small; a cap keeps a runaway client from exhausting memory. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

export async function readJson(req: IncomingMessage, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      throw new ApiError(413, `Request body too large: the limit is ${maxBytes} bytes.`, 'invalid_request_error');
    }
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
  } catch {
    throw invalidRequest(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
    );
  }
}

/** Reads and discards whatever is left of the request body. */
export function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.on('end', resolve);
    req.on('error', () => resolve());
    req.on('close', resolve);
    req.resume();
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** Seconds since the epoch, the unit of every OpenAI timestamp. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
