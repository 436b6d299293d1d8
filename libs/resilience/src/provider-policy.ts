import { BallastError } from '@ballast/errors';
import { abortableSleep } from './abortable-sleep';
import { withAttemptTimeout } from './attempt-timeout';
import { retryDelayMs } from './backoff';
import { Bulkhead, BulkheadSlot } from './bulkhead';
import { BreakerStateName, CircuitBreaker } from './circuit-breaker';
import { ResilienceSettings } from './resilience-settings';
import { RetryBudget } from './retry-budget';
import { isTransient } from './transient';

export interface ProviderLimits {
  /** One attempt's time limit. */
  timeoutMs: number;
  maxConcurrency: number;
  maxQueue: number;
}

export interface PolicyEvents {
  onRetry?(attempt: number, error: BallastError, delayMs: number): void;
  onBreakerState?(state: BreakerStateName): void;
}

export interface ExecuteOptions {
  /** Aborts on client disconnect or the request deadline; its reason is what the caller sees. */
  signal: AbortSignal;
  /** Epoch ms after which no new attempt (or wait for one) may start. */
  deadlineAt: number;
  /** Overrides the provider's per-attempt limit (streams use their first-chunk limit). */
  attemptTimeoutMs?: number;
  /** Called before every attempt with its number (1-based). */
  onAttempt?(attempt: number): void;
}

export interface Executed<T> {
  value: T;
  attempts: number;
}

export type Availability = 'available' | 'circuit-open' | 'overloaded';

/** A failure annotated with how many attempts it took, so the router can report it. */
export class AttemptsExhaustedError extends Error {
  constructor(
    readonly error: unknown,
    readonly attempts: number,
  ) {
    super('attempts exhausted', { cause: error });
  }
}

/** How long a call may wait for a bulkhead slot before being shed. */
const MAX_QUEUE_WAIT_MS = 1000;

/**
 * Everything that protects one provider: bulkhead (outermost, so retries keep
 * their slot), retries with full-jitter backoff inside the deadline and the
 * retry budget, a circuit breaker on every attempt, and a time limit per attempt.
 */
export class ProviderPolicy {
  readonly breaker: CircuitBreaker;
  readonly bulkhead: Bulkhead;
  private readonly budget: RetryBudget;

  constructor(
    readonly providerId: string,
    private readonly settings: ResilienceSettings,
    private readonly limits: ProviderLimits,
    private readonly events: PolicyEvents = {},
  ) {
    this.breaker = new CircuitBreaker(settings.breaker, (state) => events.onBreakerState?.(state));
    this.bulkhead = new Bulkhead(limits.maxConcurrency, limits.maxQueue, MAX_QUEUE_WAIT_MS, providerId);
    this.budget = new RetryBudget(settings.retryBudget);
  }

  get availability(): Availability {
    if (!this.breaker.admitsCalls) {
      return 'circuit-open';
    }
    return this.bulkhead.saturated ? 'overloaded' : 'available';
  }

  get resilience(): ResilienceSettings {
    return this.settings;
  }

  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, options: ExecuteOptions): Promise<Executed<T>> {
    const { slot, ...result } = await this.executeHolding(fn, options);
    slot.release();
    return result;
  }

  /** Like execute, but the bulkhead slot stays taken until the caller releases it (a stream's whole life). */
  async executeHolding<T>(fn: (signal: AbortSignal) => Promise<T>, options: ExecuteOptions): Promise<Executed<T> & { slot: BulkheadSlot }> {
    const slot = await this.bulkhead.acquire(options.signal);
    try {
      return { ...(await this.retrying(fn, options)), slot };
    } catch (error) {
      slot.release();
      throw error;
    }
  }

  private async retrying<T>(fn: (signal: AbortSignal) => Promise<T>, options: ExecuteOptions): Promise<Executed<T>> {
    const timeoutMs = options.attemptTimeoutMs ?? this.limits.timeoutMs;
    this.budget.recordCall();
    for (let attempt = 1; ; attempt++) {
      options.onAttempt?.(attempt);
      try {
        const value = await this.breaker.execute(() => withAttemptTimeout(timeoutMs, options.signal, fn));
        return { value, attempts: attempt };
      } catch (thrown) {
        const error = options.signal.aborted ? options.signal.reason : thrown;
        if (options.signal.aborted || !isTransient(error) || attempt > this.settings.retries) {
          throw new AttemptsExhaustedError(error, attempt);
        }
        const delay = retryDelayMs(attempt - 1, this.settings, error.retryAfterSeconds);
        // A breaker this failure opened would only refuse the retry after the wait: give up now, so the router falls back at once.
        if (Date.now() + delay >= options.deadlineAt || this.breaker.msUntilHalfOpen() > delay || !this.budget.tryAcquire()) {
          throw new AttemptsExhaustedError(error, attempt);
        }
        this.events.onRetry?.(attempt, error, delay);
        try {
          await abortableSleep(delay, options.signal);
        } catch (reason) {
          throw new AttemptsExhaustedError(reason, attempt);
        }
      }
    }
  }
}
