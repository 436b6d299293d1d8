import { BallastError } from '@ballast/errors';
import type { Deadline } from './abort/deadline';
import { AttemptBounds, withAttemptTimeout } from './attempt-timeout';
import { retryDelayMs } from './backoff';
import { Bulkhead, BulkheadSlot } from './bulkhead';
import { BreakerStateName, CircuitBreaker } from './circuit-breaker';
import { AdaptiveConcurrencyLimit } from './concurrency/adaptive-concurrency-limit';
import { isUpstreamFault } from './failure-rule';
import { ResilienceSettings } from './resilience-settings';
import { RetryBudget } from './retry-budget';

export interface ProviderLimits {
  /** One attempt's time limit. */
  timeoutMs: number;
  maxConcurrency: number;
  maxQueue: number;
}

export interface PolicyEvents {
  onRetry?(attempt: number, error: BallastError, delayMs: number): void;
  onBreakerState?(state: BreakerStateName): void;
  /** A call refused by the bulkhead (full, or the wait for a slot ran out). */
  onShed?(): void;
  /** Adaptive concurrency: the bulkhead's limit now (at start, and on every change). */
  onConcurrencyLimit?(limit: number): void;
}

export interface AttemptOptions extends AttemptBounds {
  /** Overrides the provider's per-attempt limit (streams use their first-chunk limit). */
  timeoutMs?: number;
  /** True when the caller will retry this failure on the same provider: the breaker then judges the retry instead. */
  retriesHere?(error: BallastError): boolean;
}

export type Availability = 'available' | 'circuit-open' | 'overloaded';

/** How long a call may wait for a bulkhead slot before being shed. */
const MAX_QUEUE_WAIT_MS = 1000;

/**
 * Everything that protects one provider: its bulkhead, its circuit breaker
 * around every attempt, the time limit of one attempt, its backoff and its
 * retry budget. Which attempt comes next is not decided here (see
 * `nextMove`): the router walks the route and asks this policy for a slot,
 * an attempt, a wait and the budget.
 */
export class ProviderPolicy {
  readonly breaker: CircuitBreaker;
  readonly bulkhead: Bulkhead;
  private readonly budget: RetryBudget;
  /** Set with `resilience.adaptiveConcurrency`: moves the bulkhead's limit within maxConcurrency. */
  private readonly limiter?: AdaptiveConcurrencyLimit;

  constructor(
    readonly providerId: string,
    private readonly settings: ResilienceSettings,
    private readonly limits: ProviderLimits,
    private readonly events: PolicyEvents = {},
  ) {
    this.breaker = new CircuitBreaker(settings.breaker, (state) => events.onBreakerState?.(state));
    this.bulkhead = new Bulkhead(limits.maxConcurrency, limits.maxQueue, MAX_QUEUE_WAIT_MS, providerId, () => events.onShed?.());
    this.budget = new RetryBudget(settings.retryBudget);
    if (settings.adaptiveConcurrency) {
      const onChange = (limit: number) => {
        this.bulkhead.setLimit(limit);
        events.onConcurrencyLimit?.(limit);
      };
      this.limiter = new AdaptiveConcurrencyLimit({ maxLimit: limits.maxConcurrency, onChange });
      onChange(this.limiter.limit);
    }
  }

  /** Whether a call could start now, without waiting: the router's view when it looks for another option. */
  get availability(): Availability {
    if (!this.breaker.admitsCalls) {
      return 'circuit-open';
    }
    return this.bulkhead.saturated ? 'overloaded' : 'available';
  }

  get resilience(): ResilienceSettings {
    return this.settings;
  }

  /**
   * A bulkhead slot for one call (its retries on this provider included), or
   * this policy's own refusal: CIRCUIT_OPEN while the breaker is open,
   * MODEL_OVERLOADED (shed) when the bulkhead is full. Only a call that
   * must queue asks the deadline for its signal.
   */
  async admit(deadline: Deadline): Promise<BulkheadSlot> {
    if (!this.breaker.admitsCalls) {
      throw new BallastError('CIRCUIT_OPEN', { retryAfterSeconds: Math.max(1, Math.ceil(this.breaker.msUntilHalfOpen() / 1000)) });
    }
    deadline.throwIfEnded();
    const slot = this.bulkhead.tryAcquire() ?? (await this.bulkhead.acquire(deadline.signal));
    this.budget.recordCall();
    return slot;
  }

  /** One attempt through the breaker, within its time limit. */
  attempt<T>(fn: (signal: AbortSignal) => Promise<T>, options: AttemptOptions): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.limits.timeoutMs;
    return this.breaker.execute(async () => {
      const started = performance.now();
      try {
        const value = await withAttemptTimeout(timeoutMs, options, fn);
        this.limiter?.observe(performance.now() - started, this.bulkhead.inFlight);
        return value;
      } catch (error) {
        // Ended from outside (client gone, request deadline, a hedge's loser): not the provider's failure.
        if (options.deadline.ended || options.cancel?.aborted) {
          this.breaker.cancel(error);
        } else {
          if (isUpstreamFault(error) && error.code !== 'UPSTREAM_BAD_RESPONSE') {
            this.limiter?.onDropped();
          }
          if (this.deferrable(error) && options.retriesHere?.(error)) {
            this.breaker.defer(error);
          }
        }
        throw error;
      }
    });
  }

  /** The wait before retry number `retry` (1-based) of this failure: full-jitter backoff, never shorter than Retry-After. */
  retryDelayMs(error: BallastError, retry: number): number {
    return retryDelayMs(retry - 1, this.settings, error.retryAfterSeconds);
  }

  get hasRetryBudget(): boolean {
    return this.budget.hasRoom();
  }

  /** Takes one retry from the budget and reports it. */
  spendRetry(attempt: number, error: BallastError, delayMs: number): void {
    this.budget.spend();
    this.events.onRetry?.(attempt, error, delayMs);
  }

  /**
   * The breaker judges what clients get from this provider. A fast failure
   * that a retry on the same provider may still recover is left out of its
   * window (otherwise a provider failing 30% of attempts trips a 50% breaker
   * on the noise of its first few calls, and an upstream that mostly works is
   * cut off); the retry's outcome counts instead. A timeout always counts: it
   * already cost the client the whole wait. A half-open probe always counts.
   */
  private deferrable(error: unknown): error is BallastError {
    return error instanceof BallastError && error.code !== 'MODEL_TIMEOUT' && this.breaker.stateName === 'closed';
  }
}
