// Google's OAuth2 token endpoint, for the credentials Vertex AI's clients get by Application Default
// Credentials: the JWT-bearer grant a service-account key makes (`token_uri` in the key file; the
// Python and Go libraries honour it, Node's google-auth-library always goes to Google's own URL)
// and the token exchange of an `external_account` file (workload identity federation, whose
// `token_url` Node's library does honour: what the tests and the demo use). The assertion or
// subject token must be a well-formed JWT; its signature is not checked (the simulator holds no
// public keys). The access tokens issued are the only ones the Vertex paths accept.
import { randomBytes } from 'node:crypto';
import { ApiError } from '../core/errors';
import type { Reply, Route, RouteContext } from '../core/routes-types';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const TOKEN_LIFETIME_S = 3600;

/** Rendered by the server as an OAuth2 error body, `{error, error_description}`. */
const oauthError = (error: string, description: string) => new ApiError(400, description, error);

function isJwt(text: string | null): boolean {
  const parts = (text ?? '').split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return false;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: unknown };
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    return typeof header.alg === 'string' && claims !== null && typeof claims === 'object';
  } catch {
    return false;
  }
}

async function readForm(ctx: RouteContext): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  const type = String(ctx.req.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    const json = JSON.parse(text || '{}') as Record<string, string>;
    return new URLSearchParams(json);
  }
  return new URLSearchParams(text);
}

async function token(ctx: RouteContext): Promise<Reply> {
  const form = await readForm(ctx);
  const grant = form.get('grant_type');
  const issue = () => {
    const accessToken = `ya29.sim-${randomBytes(24).toString('base64url')}`;
    ctx.state.vertexTokens.add(accessToken);
    return accessToken;
  };
  if (grant === JWT_BEARER) {
    if (!isJwt(form.get('assertion'))) throw oauthError('invalid_grant', 'Invalid JWT Signature.');
    return { status: 200, json: { access_token: issue(), expires_in: TOKEN_LIFETIME_S, token_type: 'Bearer' } };
  }
  if (grant === TOKEN_EXCHANGE) {
    if (!isJwt(form.get('subject_token'))) throw oauthError('invalid_grant', 'The subject token is not a valid JWT.');
    return {
      status: 200,
      json: {
        access_token: issue(),
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
        expires_in: TOKEN_LIFETIME_S,
      },
    };
  }
  throw oauthError('unsupported_grant_type', `Invalid grant_type: ${grant ?? '(none)'}`);
}

export const oauthRoutes: Route[] = [
  { method: 'POST', pattern: /^\/token$/, handle: token },
  { method: 'POST', pattern: /^\/v1\/token$/, handle: token },
];
