export interface PeakEwmaOptions {
  /** How fast old latency is forgotten: the estimate decays by 1/e per this many ms. */
  decayMs?: number;
  now?: () => number;
}

/**
 * Penalty cost of a member with calls in flight but no latency observed yet
 * (Finagle's choice): it is not chosen again until one of those calls ends.
 */
const UNKNOWN_BUSY_COST = 1e9;

/**
 * A member's recent latency as a peak-sensitive EWMA (Finagle's and Linkerd's
 * load metric): a slower call raises the estimate at once, faster calls and
 * plain time bring it down, decaying by 1/e per `decayMs` since the last
 * observation, so a member that was slow and recovered (and so got few calls
 * to prove it) gets its share back within a few decay periods. Reading it
 * decays it too (Finagle's `rate()` observes 0), which keeps it memoryless.
 */
export class PeakEwma {
  private ewmaMs = 0;
  private stamp: number;
  private readonly decayMs: number;
  private readonly now: () => number;

  constructor({ decayMs = 2_000, now = Date.now }: PeakEwmaOptions = {}) {
    this.decayMs = decayMs;
    this.now = now;
    this.stamp = now();
  }

  /** One finished call's latency (time to answer, or to first chunk for a stream). */
  observe(latencyMs: number): void {
    const now = this.now();
    const weightOfPast = Math.exp(-Math.max(0, now - this.stamp) / this.decayMs);
    this.stamp = now;
    this.ewmaMs = latencyMs > this.ewmaMs ? latencyMs : this.ewmaMs * weightOfPast + latencyMs * (1 - weightOfPast);
  }

  /** The estimate now, in ms (0 before any observation); for `/health/models`. */
  get valueMs(): number {
    this.observe(0);
    return this.ewmaMs;
  }

  /** Expected cost of sending one more call: latency times the calls it would queue behind. */
  cost(inFlight: number): number {
    const latency = this.valueMs;
    if (latency === 0 && inFlight > 0) {
      return UNKNOWN_BUSY_COST + inFlight;
    }
    return latency * (inFlight + 1);
  }
}
