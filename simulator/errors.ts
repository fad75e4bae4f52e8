// Errors in OpenAI's wire shape, `{error: {message, type, param, code}}` with the matching HTTP
// status, so the official SDK raises the same error classes (BadRequestError, NotFoundError,
// RateLimitError, InternalServerError...) it would raise against the real API.

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
}

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
