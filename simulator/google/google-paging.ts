// What Google's two batch APIs in the simulator (the Gemini API's batches, Vertex AI's jobs) do
// alike: page a newest-first list by an offset token, and sweep a running batch linearly.
import { googleError } from '../core/errors';

/** `pageSize` items from the offset the token names (base 36); the next token while more remain. */
export function pageOf<T>(all: T[], pageSize: number, pageToken: string | undefined) {
  const start = pageToken ? Number.parseInt(pageToken, 36) : 0;
  if (!Number.isInteger(start) || start < 0) throw googleError(400, 'Invalid page token.');
  const data = all.slice(start, start + pageSize);
  const nextPageToken = start + pageSize < all.length ? (start + pageSize).toString(36) : undefined;
  return { data, nextPageToken };
}

/** Requests of `count` processed by `now` in a batch running from `startedAtMs` for `runningMs`. */
export function processedBy(count: number, startedAtMs: number, runningMs: number, now: number): number {
  const share = runningMs === 0 ? 1 : Math.min(1, Math.max(0, (now - startedAtMs) / runningMs));
  return Math.floor(count * share);
}
