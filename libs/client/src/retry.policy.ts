import type { BallastProblem } from './ballast-problem';

export interface RetryOptions {
  /** Requests per call, the first included (default 4). Resumes of a stream count too. */
  maxAttempts?: number;
  /** Full jitter: the n-th retry waits random(0, min(maxDelayMs, baseDelayMs * 2^(n-1))) (defaults 250 and 8000). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 8000 };

/**
 * How long to wait before the next attempt, or undefined to stop now: a
 * problem that is not retryable, the last attempt used, or a wait that would
 * end past the deadline (waiting then failing helps nobody). The server's
 * Retry-After is its honest estimate, so it replaces the jittered backoff.
 */
export function nextRetryDelay(
  problem: BallastProblem,
  attemptsMade: number,
  remainingMs: number,
  options: Required<RetryOptions>,
  random: () => number,
): number | undefined {
  if (!problem.retryable || attemptsMade >= options.maxAttempts) {
    return undefined;
  }
  const delay =
    problem.retryAfter !== undefined
      ? problem.retryAfter * 1000
      : Math.floor(random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attemptsMade - 1)));
  return delay < remainingMs ? delay : undefined;
}
