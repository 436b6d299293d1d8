import { BallastError } from '@ballast/errors';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { parseRetryAfter } from './retry-after';

const CONTEXT_LENGTH = /context[ _-]?(length|window)|maximum context|too many tokens|prompt is too long|max_tokens.*exceed/i;

/** OpenAI's and Azure's codes for a content-policy refusal. */
const CONTENT_POLICY_CODES = new Set(['content_policy_violation', 'content_filter']);

function mentionsContextLength(error: APIError): boolean {
  const body = error.error as { code?: unknown; message?: unknown } | undefined;
  return body?.code === 'context_length_exceeded' || CONTEXT_LENGTH.test(String(body?.message ?? error.message));
}

/**
 * The edge where the SDK's and the network's errors become the taxonomy.
 * What the upstream said stays in `cause`/`upstream` (logs, development
 * debug); the client only ever sees the taxonomy's words.
 */
export function translateOpenAiError(error: unknown, providerId: string): BallastError {
  if (error instanceof BallastError) {
    return error;
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new BallastError('MODEL_TIMEOUT', { cause: error, upstream: { provider: providerId } });
  }
  if (error instanceof APIUserAbortError || error instanceof APIConnectionError) {
    return new BallastError('UPSTREAM_UNAVAILABLE', { cause: error, upstream: { provider: providerId } });
  }
  if (error instanceof APIError) {
    return fromStatus(error, providerId);
  }
  // By name, not instanceof: fetch's body parser throws the SyntaxError of another realm.
  if ((error as { name?: unknown } | null)?.name === 'SyntaxError') {
    return new BallastError('UPSTREAM_BAD_RESPONSE', { cause: error, upstream: { provider: providerId } });
  }
  // A stream cut mid-way surfaces as a bare TypeError ("terminated") from fetch.
  return new BallastError('UPSTREAM_UNAVAILABLE', { cause: error, upstream: { provider: providerId } });
}

function fromStatus(error: APIError, providerId: string): BallastError {
  const status = error.status;
  const upstream = { provider: providerId, status, body: error.error };
  const retryAfterSeconds = parseRetryAfter(error.headers);
  if (status === undefined) {
    return new BallastError('UPSTREAM_BAD_RESPONSE', { cause: error, upstream });
  }
  if (status === 429) {
    return new BallastError('MODEL_OVERLOADED', { retryAfterSeconds: retryAfterSeconds ?? 1, cause: error, upstream });
  }
  if (status === 408) {
    return new BallastError('MODEL_TIMEOUT', { cause: error, upstream });
  }
  if (status === 400 && mentionsContextLength(error)) {
    return new BallastError('CONTEXT_LENGTH_EXCEEDED', { cause: error, upstream });
  }
  if (status === 400 && CONTENT_POLICY_CODES.has(String((error.error as { code?: unknown } | undefined)?.code))) {
    return new BallastError('CONTENT_REJECTED', { cause: error, upstream });
  }
  if (status === 401 || status === 403 || status === 404) {
    // Our credentials or the upstream's model name are wrong: the client's request was fine.
    return new BallastError('UPSTREAM_UNAVAILABLE', { cause: error, upstream });
  }
  if (status === 413) {
    return new BallastError('PAYLOAD_TOO_LARGE', { detail: 'The model server refused the request as too large.', cause: error, upstream });
  }
  if (status >= 400 && status < 500) {
    return new BallastError('VALIDATION_FAILED', {
      detail:
        'The model refused the request as invalid. Check the parameters (max_tokens, response_format, tools, image parts) against what this model supports.',
      cause: error,
      upstream,
    });
  }
  return new BallastError('UPSTREAM_UNAVAILABLE', { retryAfterSeconds, cause: error, upstream });
}
