import { BallastProblem } from './ballast-problem';
import { DEFAULT_RETRY, nextRetryDelay } from './retry.policy';

const retryable = (retryAfter?: number) =>
  new BallastProblem({ code: 'UPSTREAM_UNAVAILABLE', title: 't', detail: 'd', retryable: true, retryAfter });
const options = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };

describe('nextRetryDelay', () => {
  it('draws full jitter: random(0, min(max, base * 2^(n-1)))', () => {
    const sut = (attemptsMade: number, random: number) => nextRetryDelay(retryable(), attemptsMade, 60_000, options, () => random);

    expect([1, 2, 3].map((n) => sut(n, 0.999))).toEqual([99, 199, 399]);
    expect(sut(3, 0)).toBe(0);
    expect(nextRetryDelay(retryable(), 3, 60_000, { ...options, maxAttempts: 10, maxDelayMs: 250 }, () => 0.5)).toBe(125);
  });

  it('waits what Retry-After says instead of the jitter', () => {
    expect(nextRetryDelay(retryable(2), 1, 60_000, options, () => 0)).toBe(2000);
  });

  it('stops on a problem that is not retryable, after the last attempt, and before a wait that would pass the deadline', () => {
    const refused = new BallastProblem({ code: 'VALIDATION_FAILED', title: 't', detail: 'd', retryable: false });

    expect(nextRetryDelay(refused, 1, 60_000, options, () => 0)).toBeUndefined();
    expect(nextRetryDelay(retryable(), DEFAULT_RETRY.maxAttempts, 60_000, options, () => 0)).toBeUndefined();
    expect(nextRetryDelay(retryable(1), 1, 999, options, () => 0)).toBeUndefined();
    expect(nextRetryDelay(retryable(1), 1, 1001, options, () => 0)).toBe(1000);
  });
});
