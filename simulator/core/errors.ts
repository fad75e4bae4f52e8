// Errors in each provider's wire shape with the matching HTTP status, so the official SDKs raise the
// same error classes (BadRequestError, NotFoundError, RateLimitError, InternalServerError,
// OverloadedError...) they would raise against the real APIs. Handlers throw one ApiError; the
// server renders it as OpenAI's `{error: {message, type, param, code}}` or Anthropic's
// `{type: 'error', error: {type, message}, request_id}`, by the path family it came in on.
import type { Provider } from './ledger';

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

  /** google.rpc details (ErrorInfo...) a Google-shaped answer carries. */
  googleDetails?: Array<Record<string, string>>;

  /** Google's `{error: {code, message, status, details}}`; a 429 says when to retry in google.rpc.RetryInfo. */
  googleBody(): GoogleErrorBody {
    const status = googleStatusOf(this);
    const retryMs = Number(this.headers['retry-after-ms'] ?? Number(this.headers['retry-after'] ?? 0) * 1000);
    const details =
      this.status === 429 && retryMs > 0
        ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${Math.ceil(retryMs / 1000)}s` }]
        : this.googleDetails;
    return {
      error: { code: googleHttpStatus(this.status), message: this.message, status, ...(details ? { details } : {}) },
    };
  }

  anthropicBody(requestId: string): AnthropicErrorBody {
    return { type: 'error', error: { type: anthropicErrorType(this), message: this.message }, request_id: requestId };
  }
}

export interface GoogleErrorBody {
  error: { code: number; message: string; status: string; details?: Array<Record<string, string>> };
}

/** google.rpc.Code names by HTTP status, as the Gemini API pairs them. */
const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Google answers a body over its limit with a 400, not a 413. */
export function googleHttpStatus(status: number): number {
  return status === 413 ? 400 : status;
}

function googleStatusOf(err: ApiError): string {
  if (/^[A-Z_]+$/.test(err.type)) return err.type;
  const status = googleHttpStatus(err.status);
  return GOOGLE_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
}

/** What the Gemini API answers a wrong or revoked key. */
export function googleKeyInvalid(): ApiError {
  const err = new ApiError(
    400,
    'API key not valid. Please pass a valid API key. (simulated outage)',
    'INVALID_ARGUMENT',
  );
  err.googleDetails = [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
  ];
  return err;
}

/** An error in Google's vocabulary: `status` the google.rpc.Code name (INVALID_ARGUMENT...). */
export const googleError = (httpStatus: number, message: string, headers: Record<string, string> = {}) =>
  new ApiError(httpStatus, message, GOOGLE_STATUS[httpStatus] ?? 'UNKNOWN', null, null, headers);

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

/** batch.rejectRate: a batch create refused outright, the way a provider refuses a batch it will not take. */
export const batchRejected = () =>
  invalidRequest('The batch was refused: simulated rejection (batch.rejectRate).', null, 'invalid_request');

/** AWS exception names by status, for errors raised without one (outages, lost responses). */
const AWS_EXCEPTIONS: Record<number, string> = {
  400: 'ValidationException',
  401: 'UnrecognizedClientException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  409: 'ConflictException',
  429: 'ThrottlingException',
  503: 'ServiceUnavailableException',
};

/** The exception an AWS service names in `x-amzn-ErrorType` for this error. */
export function awsExceptionName(err: ApiError): string {
  if (err.code?.endsWith('Exception')) return err.code;
  return AWS_EXCEPTIONS[err.status] ?? (err.status >= 500 ? 'InternalServerException' : 'ValidationException');
}

/** A call that carries no API key, refused the way each service refuses it. */
export function missingApiKey(provider: Provider): ApiError {
  switch (provider) {
    case 'vertex':
      return googleError(
        401,
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    case 'bedrock':
      return new ApiError(
        403,
        'Missing Authentication Token',
        'MissingAuthenticationTokenException',
        null,
        'MissingAuthenticationTokenException',
      );
    case 'gemini':
      // The Gemini API answers a call with no key 403, not 401.
      return googleError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    case 'anthropic':
      return anthropicError(401, 'authentication_error', 'x-api-key header is required');
    case 'azure':
      return new ApiError(
        401,
        'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
        'invalid_request_error',
        null,
        '401',
      );
    default:
      return new ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        'invalid_request_error',
      );
  }
}

/**
 * What every call gets during an outage with a chosen status: the error that status means at
 * each service, so the SDKs raise the matching class (401 AuthenticationError, 403
 * PermissionDeniedError, 429 RateLimitError...). No status is the classic overload.
 * `remainingMs` is how long the outage still lasts: a 429's retry-after points past it.
 */
export function outageError(status: number | undefined, provider: Provider, remainingMs: number): ApiError {
  if (status === undefined)
    return provider === 'gemini' || provider === 'vertex'
      ? googleError(503, 'The model is overloaded. Please try again later. (simulated outage)')
      : serviceUnavailable();
  if (provider === 'gemini' || provider === 'vertex') {
    // A rejected key: Google answers 400 INVALID_ARGUMENT with the reason API_KEY_INVALID, not 401.
    if (status === 401) return provider === 'vertex' ? missingApiKey('vertex') : googleKeyInvalid();
    const headers =
      status === 429
        ? {
            'retry-after': String(Math.max(1, Math.ceil(remainingMs / 1000))),
            'retry-after-ms': String(Math.max(1, Math.ceil(remainingMs))),
          }
        : undefined;
    return googleError(status, `The service answered ${status} (simulated outage).`, headers);
  }
  const anthropic = provider === 'anthropic';
  // Azure's own errors carry the status as their code.
  const code = (openaiCode: string) => (provider === 'azure' ? String(status) : openaiCode);
  switch (status) {
    case 401:
      return anthropic
        ? anthropicError(401, 'authentication_error', 'invalid x-api-key (simulated outage)')
        : new ApiError(
            401,
            'Incorrect API key provided (simulated outage). You can find your API key at https://platform.openai.com/account/api-keys.',
            'invalid_request_error',
            null,
            code('invalid_api_key'),
          );
    case 403:
      return anthropic
        ? anthropicError(
            403,
            'permission_error',
            'Your API key does not have permission to use the specified resource (simulated outage).',
          )
        : new ApiError(
            403,
            'You are not allowed to access this resource (simulated outage).',
            'invalid_request_error',
            null,
            code('permission_denied'),
          );
    case 429: {
      const headers = {
        'retry-after': String(Math.max(1, Math.ceil(remainingMs / 1000))),
        'retry-after-ms': String(Math.max(1, Math.ceil(remainingMs))),
      };
      return anthropic
        ? anthropicError(
            429,
            'rate_limit_error',
            'Rate limit exceeded (simulated outage). Please retry later.',
            headers,
          )
        : new ApiError(
            429,
            'Rate limit reached (simulated outage). Please retry later.',
            'requests',
            null,
            code('rate_limit_exceeded'),
            headers,
          );
    }
    default:
      // Anthropic's error type follows from the status (anthropicErrorType).
      return new ApiError(
        status,
        `The service answered ${status} (simulated outage).`,
        status >= 500 ? 'server_error' : 'invalid_request_error',
        null,
        provider === 'azure' ? String(status) : null,
      );
  }
}
