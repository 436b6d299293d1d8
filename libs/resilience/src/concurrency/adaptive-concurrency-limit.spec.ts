import { seededRandom } from '../balancing/seeded-random';
import { AdaptiveConcurrencyLimit } from './adaptive-concurrency-limit';

/**
 * An upstream on a fake clock that always has more callers than the limit
 * lets through: each call takes `latencyAt(inFlight)` ms, where inFlight is
 * the count when it started (itself included).
 */
class SaturatedUpstream {
  clock = 0;
  inFlight = 0;
  private ending: Array<{ at: number; latencyMs: number }> = [];

  constructor(private readonly latencyAt: (inFlight: number) => number) {}

  /** Runs for `durationMs`, returning the limit after every step. */
  run(sut: AdaptiveConcurrencyLimit, durationMs: number, stepMs = 5): number[] {
    const limits: number[] = [];
    for (const end = this.clock + durationMs; this.clock < end; this.clock += stepMs) {
      this.ending.sort((a, b) => a.at - b.at);
      while (this.ending.length > 0 && this.ending[0].at <= this.clock) {
        const { latencyMs } = this.ending.shift()!;
        sut.observe(latencyMs, this.inFlight);
        this.inFlight--;
      }
      while (this.inFlight < sut.limit) {
        this.inFlight++;
        this.ending.push({ at: this.clock + this.latencyAt(this.inFlight), latencyMs: this.latencyAt(this.inFlight) });
      }
      limits.push(sut.limit);
    }
    return limits;
  }
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('AdaptiveConcurrencyLimit', () => {
  let upstream: SaturatedUpstream;

  const limiter = (overrides: Partial<ConstructorParameters<typeof AdaptiveConcurrencyLimit>[0]> = {}) =>
    new AdaptiveConcurrencyLimit({ maxLimit: 100, now: () => upstream.clock, ...overrides });

  it('settles near 20 when the upstream latency doubles past 20 in flight, not at maxConcurrency', () => {
    upstream = new SaturatedUpstream((inFlight) => (inFlight > 20 ? 200 : 100));
    const sut = limiter();

    upstream.run(sut, 30_000);
    const settled = upstream.run(sut, 30_000);

    expect(Math.max(...settled)).toBeLessThanOrEqual(28);
    expect(Math.min(...settled)).toBeGreaterThanOrEqual(18);
    expect(mean(settled)).toBeGreaterThan(19);
    expect(mean(settled)).toBeLessThan(26);
  });

  it('settles near the worker count of an upstream whose calls queue past 20 workers', () => {
    upstream = new SaturatedUpstream((inFlight) => 100 * Math.max(1, inFlight / 20));
    const sut = limiter();

    upstream.run(sut, 30_000);
    const settled = upstream.run(sut, 30_000);
    expect(Math.max(...settled)).toBeLessThanOrEqual(30);
    expect(Math.min(...settled)).toBeGreaterThanOrEqual(18);
    expect(mean(settled)).toBeLessThan(27);
  });

  it('grows to maxConcurrency while latency holds', () => {
    upstream = new SaturatedUpstream(() => 100);
    const sut = limiter({ maxLimit: 64 });

    upstream.run(sut, 30_000);

    expect(sut.limit).toBe(64);
  });

  it('shrinks when the upstream slows down under the same load, and grows back when it recovers', () => {
    let slow = false;
    upstream = new SaturatedUpstream((inFlight) => (slow && inFlight > 5 ? 400 : 100));
    const sut = limiter({ maxLimit: 64 });
    upstream.run(sut, 20_000);
    expect(sut.limit).toBe(64);

    slow = true;
    const degraded = upstream.run(sut, 20_000);
    expect(Math.min(...degraded.slice(-1000))).toBeLessThan(12);

    slow = false;
    upstream.run(sut, 20_000);
    expect(sut.limit).toBe(64);
  });

  it('grows to maxConcurrency through noisy latency that does not rise with load', () => {
    const random = seededRandom(3);
    upstream = new SaturatedUpstream(() => Math.round(100 * (0.7 + 0.6 * random())));
    const sut = limiter({ maxLimit: 64 });

    upstream.run(sut, 30_000);

    expect(sut.limit).toBe(64);
  });

  it('stays within [1, maxConcurrency] however slow the upstream gets', () => {
    let latency = 100;
    upstream = new SaturatedUpstream(() => latency);
    const sut = limiter({ maxLimit: 8 });

    const limits = upstream.run(sut, 10_000);
    latency = 100_000;
    limits.push(...upstream.run(sut, 10_000));
    for (let i = 0; i < 100; i++) {
      sut.onDropped();
    }

    expect(Math.max(...limits)).toBe(8);
    expect(sut.limit).toBe(1);
  });

  it('does not grow a limit that is not being used', () => {
    let clock = 0;
    const sut = new AdaptiveConcurrencyLimit({ maxLimit: 100, initialLimit: 10, now: () => clock });

    for (; clock < 60_000; clock += 50) {
      sut.observe(100, 2);
    }

    expect(sut.limit).toBe(10);
  });

  it('backs off by its ratio on a dropped call and says so', () => {
    const changes: number[] = [];
    const sut = new AdaptiveConcurrencyLimit({ maxLimit: 100, initialLimit: 40, now: () => 0, onChange: (limit) => changes.push(limit) });

    sut.onDropped();
    sut.onDropped();

    expect(sut.limit).toBe(32);
    expect(changes).toEqual([36, 32]);
  });

  it('moves only once a window has enough samples', () => {
    let clock = 0;
    const sut = new AdaptiveConcurrencyLimit({ maxLimit: 100, initialLimit: 16, minSamples: 5, windowMs: 1000, now: () => clock });

    clock = 5000;
    for (let i = 0; i < 4; i++) {
      sut.observe(100, 16);
    }
    expect(sut.limit).toBe(16);

    sut.observe(100, 16);
    expect(sut.limit).toBe(20);
    expect(sut.baselineMs).toBe(100);
  });
});
