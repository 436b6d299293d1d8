export interface AdaptiveConcurrencyOptions {
  /** The ceiling: the provider's `maxConcurrency`. */
  maxLimit: number;
  minLimit?: number;
  /** Where the limit starts; it is found from there. */
  initialLimit?: number;
  /** Samples are averaged over windows this long, and at least `minSamples` calls, before the limit moves. */
  windowMs?: number;
  minSamples?: number;
  /** How much slower than the no-load latency a window may be before the limit shrinks (Envoy's 10% buffer: 1.1). */
  tolerance?: number;
  /** The no-load latency is the fastest window among this many recent ones, so it is re-learned as the upstream changes. */
  baselineWindows?: number;
  /** A dropped call (timeout, 429, 503) multiplies the limit by this. */
  backoffRatio?: number;
  now?: () => number;
  onChange?: (limit: number) => void;
}

/**
 * A concurrency limit that follows the upstream, in the style of the gradient
 * limiters of Netflix's concurrency-limits and Envoy's adaptive concurrency
 * filter. Per window of calls, gradient = tolerance × baseline latency ÷ the
 * window's mean latency. While the gradient is ≥ 1 (latency holds) the limit
 * grows by √limit; below 1 (more calls only queue inside the upstream) it is
 * multiplied by the gradient (at most halved). So it settles where latency
 * starts to climb. The baseline is the fastest of the recent windows, so it
 * is re-learned when the upstream itself changes. A limit that is not being
 * used (fewer than half of it in flight) does not grow. Feed it a latency
 * that queueing moves and the answer's length does not (time to first chunk
 * for streams): noise in the samples reads as congestion. Written here: no
 * maintained npm package implements an adaptive concurrency limit (the
 * JVM, Rust and BEAM ones are not usable from Node).
 */
export class AdaptiveConcurrencyLimit {
  private estimate: number;
  private readonly minLimit: number;
  private readonly maxLimit: number;
  private readonly windowMs: number;
  private readonly minSamples: number;
  private readonly tolerance: number;
  private readonly baselineWindows: number;
  private readonly backoffRatio: number;
  private readonly now: () => number;
  private readonly onChange?: (limit: number) => void;
  private windowStart: number;
  private windowSumMs = 0;
  private windowCount = 0;
  private windowMaxInFlight = 0;
  private readonly recentWindowsMs: number[] = [];

  constructor(options: AdaptiveConcurrencyOptions) {
    this.maxLimit = options.maxLimit;
    this.minLimit = Math.min(options.minLimit ?? 1, this.maxLimit);
    this.estimate = this.clamp(options.initialLimit ?? Math.min(10, this.maxLimit));
    this.windowMs = options.windowMs ?? 1000;
    this.minSamples = options.minSamples ?? 20;
    this.tolerance = options.tolerance ?? 1.1;
    this.baselineWindows = options.baselineWindows ?? 30;
    this.backoffRatio = options.backoffRatio ?? 0.9;
    this.now = options.now ?? Date.now;
    this.onChange = options.onChange;
    this.windowStart = this.now();
  }

  /** The limit now: a whole number in [minLimit, maxLimit]. */
  get limit(): number {
    return Math.floor(this.estimate);
  }

  /** The upstream's latency with no queueing, as learned so far (undefined before the first window). */
  get baselineMs(): number | undefined {
    return this.recentWindowsMs.length > 0 ? Math.min(...this.recentWindowsMs) : undefined;
  }

  /** A call that ended with an answer after `latencyMs`, with `inFlight` calls running when it ended (itself included). */
  observe(latencyMs: number, inFlight: number): void {
    this.windowSumMs += latencyMs;
    this.windowCount++;
    this.windowMaxInFlight = Math.max(this.windowMaxInFlight, inFlight);
    const now = this.now();
    if (now - this.windowStart >= this.windowMs && this.windowCount >= this.minSamples) {
      this.closeWindow(now);
    }
  }

  /** A call the upstream dropped (timeout, 429, 503): back off at once, as AIMD does. */
  onDropped(): void {
    this.set(this.estimate * this.backoffRatio);
  }

  private closeWindow(now: number): void {
    const windowMs = this.windowSumMs / this.windowCount;
    const used = this.windowMaxInFlight * 2 >= this.limit;
    this.windowStart = now;
    this.windowSumMs = 0;
    this.windowCount = 0;
    this.windowMaxInFlight = 0;
    this.recentWindowsMs.push(windowMs);
    if (this.recentWindowsMs.length > this.baselineWindows) {
      this.recentWindowsMs.shift();
    }
    const gradient = (this.tolerance * this.baselineMs!) / windowMs;
    if (gradient < 1) {
      this.set(this.estimate * Math.max(0.5, gradient));
    } else if (used) {
      this.set(this.estimate + Math.sqrt(this.estimate));
    }
  }

  private set(estimate: number): void {
    const before = this.limit;
    this.estimate = this.clamp(estimate);
    if (this.limit !== before) {
      this.onChange?.(this.limit);
    }
  }

  private clamp(estimate: number): number {
    return Math.max(this.minLimit, Math.min(this.maxLimit, estimate));
  }
}
