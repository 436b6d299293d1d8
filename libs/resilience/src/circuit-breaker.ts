import { BallastError } from '@ballast/errors';
import { BrokenCircuitError, CircuitBreakerPolicy, CircuitState, IBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { BreakerSettings } from './resilience-settings';
import { isUpstreamFault } from './failure-rule';

export type BreakerStateName = 'closed' | 'half-open' | 'open';

const BUCKET_MS = 1000;

interface Bucket {
  start: number;
  successes: number;
  failures: number;
}

/**
 * Opens at ≥ failureRate over ≥ minCalls calls made in the last windowMs.
 * Used instead of cockatiel's SamplingBreaker, which (3.2.1) rotates at most
 * one bucket per call, so under sparse traffic failures from minutes ago stay
 * counted; and which derives its call minimum from a rate, so rounding can
 * make it wait for minCalls + 1.
 */
class SlidingWindowBreaker implements IBreaker {
  private buckets: Bucket[] = [];

  constructor(private readonly settings: BreakerSettings) {}

  get state(): unknown {
    return this.buckets.map((bucket) => ({ ...bucket }));
  }

  set state(value: unknown) {
    this.buckets = Array.isArray(value) ? (value as Bucket[]).map((bucket) => ({ ...bucket })) : [];
  }

  success(state: CircuitState): void {
    if (state === CircuitState.HalfOpen) {
      this.buckets = [];
    }
    this.current().successes++;
  }

  failure(state: CircuitState): boolean {
    this.current().failures++;
    if (state !== CircuitState.Closed) {
      return true;
    }
    let failures = 0;
    let calls = 0;
    for (const bucket of this.buckets) {
      failures += bucket.failures;
      calls += bucket.successes + bucket.failures;
    }
    return calls >= this.settings.minCalls && failures / calls >= this.settings.failureRate;
  }

  private current(): Bucket {
    const now = Date.now();
    const start = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    while (this.buckets.length > 0 && this.buckets[0].start + BUCKET_MS <= now - this.settings.windowMs) {
      this.buckets.shift();
    }
    let bucket = this.buckets[this.buckets.length - 1];
    if (!bucket || bucket.start !== start) {
      bucket = { start, successes: 0, failures: 0 };
      this.buckets.push(bucket);
    }
    return bucket;
  }
}

/**
 * cockatiel's circuit breaker over the failure-rate window above, plus what
 * the router needs to decide without waiting: whether a call may go through
 * now, and how long until the next half-open probe. cockatiel lets one probe
 * through when half-open (exactly one: it has no setting for more) and makes
 * other callers wait for its outcome; Ballast skips the entry instead, so an
 * unhealthy provider never costs a request time.
 */
export class CircuitBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;
  /** Failures the caller will retry on the same upstream: judged by the retry's outcome instead. */
  private readonly deferred = new WeakSet<object>();
  /** Calls their caller stopped (client gone, shutdown): they say nothing about the upstream. */
  private readonly cancelled = new WeakSet<object>();

  constructor(
    private readonly settings: BreakerSettings,
    onStateChange: (state: BreakerStateName) => void = () => undefined,
  ) {
    this.policy = circuitBreaker(
      handleWhen((error) => this.counts(error)),
      {
        halfOpenAfter: settings.cooldownMs,
        breaker: new SlidingWindowBreaker(settings),
      },
    );
    this.policy.onStateChange((state) => {
      if (state === CircuitState.Open) {
        this.openedAt = Date.now();
      }
      onStateChange(this.stateName);
    });
  }

  get stateName(): BreakerStateName {
    switch (this.policy.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      case CircuitState.Open:
      case CircuitState.Isolated:
        return 'open';
    }
  }

  /** 0 when a call could go through now (closed, or open with the cool-down over). */
  msUntilHalfOpen(): number {
    if (this.policy.state === CircuitState.Closed) {
      return 0;
    }
    if (this.policy.state === CircuitState.HalfOpen) {
      return this.settings.cooldownMs;
    }
    return Math.max(0, this.openedAt + this.settings.cooldownMs - Date.now());
  }

  /** True when a call would be let through without waiting. */
  get admitsCalls(): boolean {
    return this.msUntilHalfOpen() === 0;
  }

  /** The caller will retry this failure on the same upstream: leave it out of the window (call before rethrowing it). */
  defer(error: unknown): void {
    if (typeof error === 'object' && error !== null) {
      this.deferred.add(error);
    }
  }

  /** The caller stopped this call: never let it close (or count against) the circuit (call before rethrowing it). */
  cancel(error: unknown): void {
    if (typeof error === 'object' && error !== null) {
      this.cancelled.add(error);
    }
  }

  /**
   * What a failed call tells the breaker. Closed: only the upstream's own
   * faults count (never our shedding, a cancelled call or a deferred one).
   * Half-open: cockatiel closes the circuit on any error its filter ignores,
   * so the probe "counts" (re-opens) unless it is a real answer from the
   * upstream (a client error): a cancelled or shed probe keeps it open.
   */
  private counts(error: unknown): boolean {
    const object = typeof error === 'object' && error !== null ? error : {};
    if (this.policy.state === CircuitState.HalfOpen) {
      return !(error instanceof BallastError) || error.shed || this.cancelled.has(object) || isUpstreamFault(error);
    }
    return isUpstreamFault(error) && !this.deferred.has(object) && !this.cancelled.has(object);
  }

  async execute<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.admitsCalls) {
      throw this.openError();
    }
    try {
      return await this.policy.execute(fn);
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw this.openError();
      }
      throw error;
    }
  }

  private openError(): BallastError {
    return new BallastError('CIRCUIT_OPEN', { retryAfterSeconds: Math.max(1, Math.ceil(this.msUntilHalfOpen() / 1000)) });
  }
}
