import { BallastError, ErrorCode } from '@ballast/errors';

/** Failures of the upstream itself: worth a retry, a fallback, and a mark against its breaker. */
const TRANSIENT_UPSTREAM: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_BAD_RESPONSE',
  'MODEL_TIMEOUT',
  'MODEL_OVERLOADED',
]);

export function isTransient(error: unknown): error is BallastError {
  return error instanceof BallastError && TRANSIENT_UPSTREAM.has(error.code);
}

/** Reasons to move on to the next route entry. */
export function allowsFallback(error: unknown): error is BallastError {
  return isTransient(error) || (error instanceof BallastError && error.code === 'CIRCUIT_OPEN');
}
