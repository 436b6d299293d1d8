const BUCKET_MS = 1000;

/**
 * Caps retries at a fraction of calls over a sliding window (with a small
 * floor so a quiet service can still retry), so that during an outage
 * retries cannot multiply the load on an upstream that is already down.
 * cockatiel has no retry budget; this is the glue it lacks.
 */
export class RetryBudget {
  private readonly buckets: Array<{ start: number; calls: number; retries: number }> = [];

  constructor(
    private readonly ratio: number,
    private readonly windowMs = 10_000,
    private readonly minRetriesPerSecond = 3,
    private readonly now: () => number = Date.now,
  ) {}

  recordCall(): void {
    this.current().calls++;
  }

  /** Whether one more retry fits the budget now. */
  hasRoom(): boolean {
    const { calls, retries } = this.totals();
    const allowed = Math.max(this.ratio * calls, this.minRetriesPerSecond * (this.windowMs / 1000));
    return retries + 1 <= allowed;
  }

  /** Takes one retry from the budget (the caller asked `hasRoom` first). */
  spend(): void {
    this.current().retries++;
  }

  private current() {
    const start = Math.floor(this.now() / BUCKET_MS) * BUCKET_MS;
    let bucket = this.buckets[this.buckets.length - 1];
    if (!bucket || bucket.start !== start) {
      bucket = { start, calls: 0, retries: 0 };
      this.buckets.push(bucket);
    }
    this.evict();
    return bucket;
  }

  private totals() {
    this.evict();
    return this.buckets.reduce((sum, b) => ({ calls: sum.calls + b.calls, retries: sum.retries + b.retries }), { calls: 0, retries: 0 });
  }

  private evict(): void {
    const oldest = this.now() - this.windowMs;
    while (this.buckets.length > 0 && this.buckets[0].start + BUCKET_MS <= oldest) {
      this.buckets.shift();
    }
  }
}
