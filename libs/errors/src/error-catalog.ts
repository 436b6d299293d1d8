/**
 * The taxonomy: every error Ballast can answer with, in one table.
 * Adding a code means adding a row here; the compiler then points at every
 * `switch` that must learn about it (`assertUnreachable` in the default branch).
 */
export type OpenAiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'server_error'
  | 'service_unavailable_error';

/**
 * What the router does after one attempt failed with a code:
 * - `retry`: the same entry again after a backoff while retries last (another pool member at once), then the next entry;
 * - `leave`: another member or the next entry first; the same one again only when it is the last option left;
 * - `next`: the next member or entry at once, never the same one again;
 * - `larger-entry`: only a later entry with a larger (or unknown) context window; never resent unchanged;
 * - `opt-in`: the answer, unless the model opts in to falling back on it;
 * - `final`: the answer to the client, at once.
 */
export type AttemptFailureRule = 'retry' | 'leave' | 'next' | 'larger-entry' | 'opt-in' | 'final';

export interface ErrorDefinition {
  readonly status: number;
  readonly title: string;
  readonly retryable: boolean;
  readonly openaiType: OpenAiErrorType;
  /** Safe default `detail` for the client when the thrower gives none. */
  readonly detail: string;
  /** The router's rule after an attempt fails with this code; `final` when absent. */
  readonly onAttemptFailure?: AttemptFailureRule;
  /** A failure of the upstream itself, counted against its circuit breaker; false when absent. */
  readonly transient?: boolean;
}

export const ERROR_CATALOG = {
  VALIDATION_FAILED: {
    status: 400,
    title: 'Request is not valid',
    retryable: false,
    openaiType: 'invalid_request_error',
    detail: 'The request is not valid. Check it against the API reference at /docs.',
  },
  CONTEXT_LENGTH_EXCEEDED: {
    status: 400,
    title: 'Prompt is longer than the model accepts',
    retryable: false,
    openaiType: 'invalid_request_error',
    detail: 'The prompt and the requested completion do not fit the model context window. Shorten the messages or lower max_tokens.',
    onAttemptFailure: 'larger-entry',
  },
  UNAUTHENTICATED: {
    status: 401,
    title: 'Authentication required',
    retryable: false,
    openaiType: 'authentication_error',
    detail: 'Send a valid API key as "Authorization: Bearer <key>" or "x-api-key".',
  },
  FORBIDDEN: {
    status: 403,
    title: 'Not allowed',
    retryable: false,
    openaiType: 'permission_error',
    detail: 'This API key may not use this resource.',
  },
  NOT_FOUND: {
    status: 404,
    title: 'Not found',
    retryable: false,
    openaiType: 'not_found_error',
    detail: 'There is nothing at this path. See /docs for the routes.',
  },
  MODEL_NOT_FOUND: {
    status: 404,
    title: 'Model not found',
    retryable: false,
    openaiType: 'not_found_error',
    detail: 'No model with this name is configured.',
  },
  STREAM_NOT_FOUND: {
    status: 404,
    title: 'Stream not found',
    retryable: false,
    openaiType: 'not_found_error',
    detail: 'There is no resumable stream with this id for this API key, or it has expired. Send the request again without Last-Event-ID.',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'Method not allowed',
    retryable: false,
    openaiType: 'invalid_request_error',
    detail: 'This route does not accept this method. The Allow header lists the methods it does accept.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request not received in time',
    retryable: false,
    openaiType: 'invalid_request_error',
    detail: 'The request headers or body did not arrive in time. Send the whole request promptly.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: 'Payload too large',
    retryable: false,
    openaiType: 'invalid_request_error',
    detail: 'The request body is larger than this server accepts.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    retryable: false,
    openaiType: 'invalid_request_error',
    detail: 'This content type is not supported.',
  },
  IMAGE_UNREADABLE: {
    status: 422,
    title: 'Image cannot be read',
    retryable: false,
    openaiType: 'invalid_request_error',
    detail: 'The image data is corrupt or incomplete. Re-export or re-upload the file.',
  },
  IMAGE_TOO_LARGE: {
    status: 422,
    title: 'Image has too many pixels',
    retryable: false,
    openaiType: 'invalid_request_error',
    detail: 'The image dimensions exceed the largest accepted size. Downscale it and try again.',
  },
  CONTENT_REJECTED: {
    status: 422,
    title: 'Content rejected',
    retryable: false,
    openaiType: 'invalid_request_error',
    detail: 'The model refused this content.',
    onAttemptFailure: 'opt-in',
  },
  RATE_LIMITED: {
    status: 429,
    title: 'Too many requests',
    retryable: true,
    openaiType: 'rate_limit_error',
    detail: 'Rate limit reached. Wait for Retry-After seconds, then try again.',
  },
  CLIENT_CLOSED_REQUEST: {
    status: 499,
    title: 'Client closed the request',
    retryable: true,
    openaiType: 'invalid_request_error',
    detail: 'The client went away before the answer was ready.',
  },
  INTERNAL_ERROR: {
    status: 500,
    title: 'Internal error',
    retryable: false,
    openaiType: 'server_error',
    detail: 'Something went wrong inside Ballast. Quote the request_id when reporting it.',
  },
  UPSTREAM_BAD_RESPONSE: {
    status: 502,
    title: 'Model answered with an invalid response',
    retryable: true,
    openaiType: 'server_error',
    detail: 'The model server returned a response that could not be understood. Try again.',
    onAttemptFailure: 'retry',
    transient: true,
  },
  UPSTREAM_UNAVAILABLE: {
    status: 503,
    title: 'Model unavailable',
    retryable: true,
    openaiType: 'service_unavailable_error',
    detail: 'The model server is not available right now. Try again shortly.',
    onAttemptFailure: 'retry',
    transient: true,
  },
  CIRCUIT_OPEN: {
    status: 503,
    title: 'Model temporarily disabled',
    retryable: true,
    openaiType: 'service_unavailable_error',
    detail: 'The model is failing and has been taken out of rotation for a short while. Try again after Retry-After seconds.',
    onAttemptFailure: 'next',
  },
  MODEL_OVERLOADED: {
    status: 503,
    title: 'Model overloaded',
    retryable: true,
    openaiType: 'service_unavailable_error',
    detail: 'The model is at capacity. Try again after Retry-After seconds.',
    onAttemptFailure: 'retry',
    transient: true,
  },
  ALL_ROUTES_FAILED: {
    status: 503,
    title: 'No model could answer',
    retryable: true,
    openaiType: 'service_unavailable_error',
    detail: 'Every configured route for this model failed. Try again after Retry-After seconds.',
  },
  SHUTTING_DOWN: {
    status: 503,
    title: 'Server shutting down',
    retryable: true,
    openaiType: 'service_unavailable_error',
    detail: 'This replica is shutting down. Retry; another replica will answer.',
  },
  MODEL_TIMEOUT: {
    status: 504,
    title: 'Model timed out',
    retryable: true,
    openaiType: 'timeout_error',
    detail: 'The model did not answer in time. Try again, or use a smaller max_tokens.',
    onAttemptFailure: 'leave',
    transient: true,
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export const ERROR_CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOG, value);
}

export function errorDefinition(code: ErrorCode): ErrorDefinition {
  return ERROR_CATALOG[code];
}

export function attemptFailureRule(code: ErrorCode): AttemptFailureRule {
  return errorDefinition(code).onAttemptFailure ?? 'final';
}

export function isTransientCode(code: ErrorCode): boolean {
  return errorDefinition(code).transient ?? false;
}

/** `MODEL_TIMEOUT` → `model-timeout`, the last segment of a problem `type`. */
export function problemSlug(code: ErrorCode): string {
  return code.toLowerCase().replace(/_/g, '-');
}

export function codeFromSlug(slug: string): ErrorCode | undefined {
  const code = slug.toUpperCase().replace(/-/g, '_');
  return isErrorCode(code) ? code : undefined;
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}
