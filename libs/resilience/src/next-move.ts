import { AttemptFailureRule, assertUnreachable } from '@ballast/errors';

/** What one request knows right after an attempt failed, and nothing else: the input of `nextMove`. */
export interface FailureFacts {
  /** The catalogue's rule for the failure (see `failureRule`). */
  rule: AttemptFailureRule;
  /** Attempts this request has made on the current route step so far, the failed one included. */
  attempts: number;
  /** The step's `retries`: attempts = retries + 1 at most. */
  retries: number;
  /** The wait before going back to the member that failed (backoff, never shorter than Retry-After). */
  retryDelayMs: number;
  /** Until the request's deadline. */
  msLeft: number;
  /** The provider's retry budget has room for one more retry. */
  budgetLeft: boolean;
  /** The failing member's breaker is closed (a failed half-open probe re-opens it: no going back). */
  breakerClosed: boolean;
  /** Another member of this step, not tried yet, could take the request now. */
  otherMember: boolean;
  /** A later route step could take the request now (for `larger-entry`: one whose context window may fit). */
  laterStep: boolean;
  /** The model opts in to falling back on this failure (`opt-in` rule). */
  fallbackAllowed: boolean;
}

export type Move =
  /** The same member again after `delayMs`. */
  | { kind: 'retry'; delayMs: number }
  /** Another member of the same step, at once (a retry too: it spends the budget). */
  | { kind: 'other-member' }
  /** The next route step. */
  | { kind: 'next-step' }
  /** This failure is the client's answer. */
  | { kind: 'fail' }
  /** Nothing is left to try: the client hears what every option said. */
  | { kind: 'exhausted' };

const OTHER_MEMBER: Move = { kind: 'other-member' };
const NEXT_STEP: Move = { kind: 'next-step' };
const FAIL: Move = { kind: 'fail' };
const EXHAUSTED: Move = { kind: 'exhausted' };

/**
 * The one place that decides where a request goes after a failed attempt.
 * Pure: the router gathers the facts, acts on the move, and spends the retry
 * budget when the move is a retry.
 */
export function nextMove(facts: FailureFacts): Move {
  const mayRetry = facts.attempts <= facts.retries && facts.budgetLeft;
  const moveOn = facts.laterStep ? NEXT_STEP : EXHAUSTED;
  switch (facts.rule) {
    case 'final':
      return FAIL;
    case 'opt-in':
      return facts.fallbackAllowed && facts.laterStep ? NEXT_STEP : FAIL;
    case 'larger-entry':
      return facts.laterStep ? NEXT_STEP : FAIL;
    case 'next':
      return facts.otherMember && mayRetry ? OTHER_MEMBER : moveOn;
    case 'leave':
      // A silent member is left: every other option first, the same one only as the last.
      if (facts.otherMember && mayRetry) {
        return OTHER_MEMBER;
      }
      return facts.laterStep ? NEXT_STEP : (retryHere(facts, mayRetry) ?? EXHAUSTED);
    case 'retry':
      if (facts.otherMember && mayRetry) {
        return OTHER_MEMBER;
      }
      return retryHere(facts, mayRetry) ?? moveOn;
    default:
      return assertUnreachable(facts.rule);
  }
}

function retryHere(facts: FailureFacts, mayRetry: boolean): Move | undefined {
  return mayRetry && facts.breakerClosed && facts.retryDelayMs < facts.msLeft ? { kind: 'retry', delayMs: facts.retryDelayMs } : undefined;
}
