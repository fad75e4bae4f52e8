// Errors in each provider's wire shape with the matching HTTP status, so the official SDKs raise the
// same error classes (BadRequestError, NotFoundError, RateLimitError, InternalServerError,
// OverloadedError...) they would raise against the real APIs. Handlers throw one ApiError; the
// server renders it as OpenAI's `{error: {message, type, param, code}}` or Anthropic's
// `{type: 'error', error: {type, message}, request_id}`, by the path family it came in on.

export interface OpenAIErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { error: OpenAIErrorBody } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  anthropicBody(requestId: string): AnthropicErrorBody {
    return { type: 'error', error: { type: anthropicErrorType(this), message: this.message }, request_id: requestId };
  }
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string | null;
}

const ANTHROPIC_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'timeout_error',
  'api_error',
  'overloaded_error',
]);

/** An error raised as an OpenAI one (or by the shared server code) in Anthropic's vocabulary. */
function anthropicErrorType(err: ApiError): string {
  if (ANTHROPIC_TYPES.has(err.type) && err.type !== 'invalid_request_error') return err.type;
  switch (err.status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return err.status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** An error in Anthropic's vocabulary (`type` one of its error types). */
export const anthropicError = (status: number, type: string, message: string, headers: Record<string, string> = {}) =>
  new ApiError(status, message, type, null, null, headers);

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, 'invalid_request_error', param, code);

export const notFound = (message: string, param: string | null = null) =>
  new ApiError(404, message, 'invalid_request_error', param, null);

export const serverError = () =>
  new ApiError(500, 'The server had an error while processing your request. Sorry about that!', 'server_error');

export const serviceUnavailable = () =>
  new ApiError(
    503,
    'The server is overloaded or not ready yet (simulated outage).',
    'server_error',
    null,
    'service_unavailable',
  );
