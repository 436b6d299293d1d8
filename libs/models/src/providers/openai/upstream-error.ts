import { BallastError } from '@ballast/errors';
import type { IncomingHttpHeaders } from 'node:http';
import { contentPolicyDetail, isContentPolicyRefusal } from './content-policy';
import { contextLengthDetail, contextLengthOf } from './context-length';
import { errorBodyOf } from './error-body';
import { logExcerpt } from './log-excerpt';
import type { ReadBody } from './read-body';
import { parseRetryAfter } from './retry-after';

/** Everything that can go wrong between Ballast and an upstream, as it arrives. */
export type UpstreamFailure =
  /** An error status (or an `error` inside an SSE event), with the prefix of its body that was read. */
  | { kind: 'status'; status: number; headers: IncomingHttpHeaders; body: ReadBody }
  /** The request or its body failed on the way: refused, reset, cut, aborted. */
  | { kind: 'network'; error: unknown; signal?: AbortSignal }
  /** A 2xx that cannot be used: too large, not JSON, not a completion, an SSE event past the limit. */
  | { kind: 'bad-response'; reason: string; status?: number; body?: ReadBody };

export interface UpstreamScope {
  provider: string;
  maxRetryAfterSeconds: number;
}

/**
 * The one place where what an upstream did becomes the taxonomy. The
 * client only ever reads the catalog's words or ours; what the upstream
 * said goes into `upstream.body` as one short excerpt for the log (never in
 * `message`, `stack` or `cause`, so a 100 MB body cannot become 500 MB of log).
 */
export function upstreamError(failure: UpstreamFailure, scope: UpstreamScope): BallastError {
  switch (failure.kind) {
    case 'network':
      return fromNetwork(failure.error, failure.signal, scope);
    case 'bad-response':
      return new BallastError('UPSTREAM_BAD_RESPONSE', {
        cause: new Error(failure.reason),
        upstream: {
          provider: scope.provider,
          status: failure.status,
          body: failure.body && logExcerpt(failure.body.text, failure.body.cut),
        },
      });
    case 'status':
      return fromStatus(failure.status, failure.headers, failure.body, scope);
  }
}

function fromNetwork(error: unknown, signal: AbortSignal | undefined, scope: UpstreamScope): BallastError {
  if (signal?.aborted) {
    // The caller stopped the attempt (its time limit, the deadline, the client leaving): its reason is the truth.
    const reason: unknown = signal.reason;
    return reason instanceof BallastError
      ? reason
      : new BallastError('UPSTREAM_UNAVAILABLE', { cause: reason ?? error, upstream: { provider: scope.provider } });
  }
  if (error instanceof BallastError) {
    return error;
  }
  // The pool has no header or body time limit of its own (attempt timeouts abort through the signal, above).
  // Refused, reset, DNS, TLS, a connect timeout, a body cut mid-way: the upstream cannot be reached or did not finish.
  return new BallastError('UPSTREAM_UNAVAILABLE', { cause: error, upstream: { provider: scope.provider } });
}

function fromStatus(status: number, headers: IncomingHttpHeaders, read: ReadBody, scope: UpstreamScope): BallastError {
  const body = errorBodyOf(read);
  const upstream = { provider: scope.provider, status, body: logExcerpt(read.text, read.cut) };
  const cause = new Error(`upstream answered ${status}`);
  const retryAfterSeconds = parseRetryAfter(headers, scope.maxRetryAfterSeconds);
  const contextLength = contextLengthOf(status, body);
  if (contextLength) {
    return new BallastError('CONTEXT_LENGTH_EXCEEDED', {
      detail: contextLengthDetail(contextLength),
      cause,
      upstream: { ...upstream, contextLength },
    });
  }
  if (isContentPolicyRefusal(status, body)) {
    return new BallastError('CONTENT_REJECTED', { detail: contentPolicyDetail(body), cause, upstream });
  }
  if (status === 429) {
    return new BallastError('MODEL_OVERLOADED', { retryAfterSeconds: retryAfterSeconds ?? 1, cause, upstream });
  }
  if (status === 408) {
    return new BallastError('MODEL_TIMEOUT', { cause, upstream });
  }
  if (status === 401 || status === 403 || status === 404) {
    // Our credentials or the upstream's model name are wrong: the client's request was fine.
    return new BallastError('UPSTREAM_UNAVAILABLE', { cause, upstream });
  }
  if (status === 413) {
    return new BallastError('PAYLOAD_TOO_LARGE', { detail: 'The model server refused the request as too large.', cause, upstream });
  }
  if (status >= 400 && status < 500) {
    return new BallastError('VALIDATION_FAILED', {
      detail:
        'The model refused the request as invalid. Check the parameters (max_tokens, response_format, tools, image parts) against what this model supports.',
      cause,
      upstream,
    });
  }
  if (status >= 500) {
    return new BallastError('UPSTREAM_UNAVAILABLE', { retryAfterSeconds, cause, upstream });
  }
  // 1xx/3xx: undici does not follow redirects, and a chat endpoint has no business sending one.
  return new BallastError('UPSTREAM_BAD_RESPONSE', { cause, upstream });
}
