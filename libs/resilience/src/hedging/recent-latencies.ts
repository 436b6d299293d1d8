export interface RecentLatenciesOptions {
  /** Samples kept at most; the oldest are dropped first. */
  capacity?: number;
  /** Samples older than this are ignored. */
  maxAgeMs?: number;
  /** Fewer live samples than this and no percentile is given: too little to tell what is slow. */
  minSamples?: number;
  now?: () => number;
}

/**
 * Recent latencies (time to answer, or to first chunk) in a bounded ring
 * buffer, for exact percentiles over the last few hundred calls. Written as a
 * ring buffer rather than with a streaming sketch (t-digest, DDSketch,
 * HdrHistogram on npm): those summarise everything ever added, and the hedge
 * delay must follow the pool as it is now; a window of a few hundred numbers
 * is sorted in microseconds, and only when it changed.
 */
export class RecentLatencies {
  private readonly values: Float64Array;
  private readonly stamps: Float64Array;
  private next = 0;
  private size = 0;
  /** The live samples, sorted, until a new sample arrives or the oldest of them ages out. */
  private sorted: number[] | undefined;
  private sortedUntil = 0;
  private readonly maxAgeMs: number;
  private readonly minSamples: number;
  private readonly now: () => number;

  constructor({ capacity = 512, maxAgeMs = 60_000, minSamples = 20, now = Date.now }: RecentLatenciesOptions = {}) {
    this.values = new Float64Array(capacity);
    this.stamps = new Float64Array(capacity);
    this.maxAgeMs = maxAgeMs;
    this.minSamples = minSamples;
    this.now = now;
  }

  observe(latencyMs: number): void {
    this.values[this.next] = latencyMs;
    this.stamps[this.next] = this.now();
    this.next = (this.next + 1) % this.values.length;
    this.size = Math.min(this.size + 1, this.values.length);
    this.sorted = undefined;
  }

  /** Live samples: inside the window and not older than maxAgeMs. */
  get count(): number {
    return this.live().length;
  }

  /** The p-th percentile (nearest rank, 0 < p ≤ 100) of the live samples, or undefined with too few. */
  percentile(p: number): number | undefined {
    const live = this.live();
    if (live.length < this.minSamples || live.length === 0) {
      return undefined;
    }
    const rank = Math.ceil((p / 100) * live.length);
    return live[Math.min(live.length, Math.max(1, rank)) - 1];
  }

  private live(): number[] {
    const now = this.now();
    if (this.sorted && now < this.sortedUntil) {
      return this.sorted;
    }
    const oldest = now - this.maxAgeMs;
    const live: number[] = [];
    let firstStamp = Infinity;
    for (let i = 0; i < this.size; i++) {
      if (this.stamps[i] >= oldest) {
        live.push(this.values[i]);
        firstStamp = Math.min(firstStamp, this.stamps[i]);
      }
    }
    this.sorted = live.sort((a, b) => a - b);
    this.sortedUntil = firstStamp + this.maxAgeMs;
    return this.sorted;
  }
}
