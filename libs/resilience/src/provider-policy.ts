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
  /** A call got its bulkhead slot after waiting this long (ms). */
  onQueued?(waitedMs: number): void;
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

/** Not a BallastError, so the breaker's filter lets it through uncounted. */
class RecoverableFailure extends Error {
  constructor(readonly error: unknown) {
    super('failed attempt that will be retried', { cause: error });
  }
}

/** How long a call may wait for a bulkhead slot before being shed. */
const MAX_QUEUE_WAIT_MS = 1000;

/**
 * Everything that protects one provider: bulkhead (outermost, so retries keep
 * their slot), retries with full-jitter backoff inside the deadline and the
 * retry budget, a circuit breaker around every attempt, and a time limit per attempt.
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
    const queuedAt = performance.now();
    const slot = await this.bulkhead.acquire(options.signal);
    this.events.onQueued?.(performance.now() - queuedAt);
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
      let retryInMs: number | undefined;
      try {
        const value = await this.breaker.execute(async () => {
          try {
            return await withAttemptTimeout(timeoutMs, options.signal, fn);
          } catch (thrown) {
            retryInMs = this.retryDelay(thrown, attempt, options);
            throw this.deferrable(thrown, retryInMs) ? new RecoverableFailure(thrown) : thrown;
          }
        });
        return { value, attempts: attempt };
      } catch (caught) {
        const thrown = caught instanceof RecoverableFailure ? caught.error : caught;
        const error = options.signal.aborted ? options.signal.reason : thrown;
        // A breaker opened meanwhile (by this call or others) would refuse the retry after the wait: give up now, the router falls back at once.
        if (retryInMs === undefined || options.signal.aborted || this.breaker.msUntilHalfOpen() > retryInMs) {
          throw new AttemptsExhaustedError(error, attempt);
        }
        this.events.onRetry?.(attempt, error as BallastError, retryInMs);
        try {
          await abortableSleep(retryInMs, options.signal);
        } catch (reason) {
          throw new AttemptsExhaustedError(reason, attempt);
        }
      }
    }
  }

  /** How long to wait before retrying this failure, or undefined when it must not be retried (takes from the budget). */
  private retryDelay(thrown: unknown, attempt: number, options: ExecuteOptions): number | undefined {
    if (options.signal.aborted || !isTransient(thrown) || attempt > this.settings.retries) {
      return undefined;
    }
    const delay = retryDelayMs(attempt - 1, this.settings, thrown.retryAfterSeconds);
    return Date.now() + delay < options.deadlineAt && this.budget.tryAcquire() ? delay : undefined;
  }

  /**
   * The breaker judges what clients get from this provider. A fast failure
   * that a retry may still recover is left out of its window (otherwise a
   * provider failing 30% of attempts trips a 50% breaker on the noise of its
   * first few calls, and an upstream that mostly works is cut off); it counts
   * if the retries do not recover it. A timeout always counts: it already
   * cost the client the whole wait. A half-open probe always counts.
   */
  private deferrable(thrown: unknown, retryInMs: number | undefined): boolean {
    return (
      retryInMs !== undefined && thrown instanceof BallastError && thrown.code !== 'MODEL_TIMEOUT' && this.breaker.stateName === 'closed'
    );
  }
}
