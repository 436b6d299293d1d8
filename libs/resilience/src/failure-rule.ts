import { AttemptFailureRule, attemptFailureRule, BallastError, isTransientCode } from '@ballast/errors';

/** The router's rule for a failed attempt, read from the error catalogue; our own shedding moves on at once. */
export function failureRule(error: unknown): AttemptFailureRule {
  if (!(error instanceof BallastError)) {
    return 'final';
  }
  return error.shed ? 'next' : attemptFailureRule(error.code);
}

/** A failure of the upstream itself (never our own shedding): what a circuit breaker counts. */
export function isUpstreamFault(error: unknown): error is BallastError {
  return error instanceof BallastError && !error.shed && isTransientCode(error.code);
}
