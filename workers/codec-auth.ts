// Who may use the codec server: a caller with its token, from a browser page of the Web UI's origin.
// CORS only keeps other web pages from reading the answers; the token is what keeps everyone else
// out, so every encode and decode needs it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Equal strings, in time that does not depend on where they differ (digests first: lengths may differ). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The request carries the token: `Authorization: Bearer <token>`, or (for a Web UI that cannot
 * send a header: the dev server's, which has no login) as the first path segment, `/<token>/decode`,
 * which the protocol allows (endpoints may be mounted at any depth).
 */
export function authorized(headers: IncomingHttpHeaders, prefix: string, token: string): boolean {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  if (bearer !== undefined && sameSecret(bearer, token)) return true;
  return prefix !== '' && sameSecret(decodeURIComponent(prefix.replace(/^\//, '')), token);
}

/** CORS headers for an allowed origin; none for any other, so the browser keeps the answer from its page. */
export function corsHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> {
  const vary = { vary: 'Origin' };
  if (!origin || !allowed.includes(origin)) return vary;
  return {
    ...vary,
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'Authorization, Content-Type, X-Namespace',
    'access-control-allow-credentials': 'true',
    'access-control-max-age': '600',
  };
}
