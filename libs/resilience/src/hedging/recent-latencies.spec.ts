import { RecentLatencies } from './recent-latencies';

describe('RecentLatencies', () => {
  let clock: number;

  beforeEach(() => {
    clock = 1_000_000;
  });

  const create = (options: object = {}) => new RecentLatencies({ now: () => clock, minSamples: 1, ...options });

  it('gives exact nearest-rank percentiles', () => {
    const sut = create();
    for (let ms = 100; ms >= 1; ms--) {
      sut.observe(ms);
    }

    expect(sut.percentile(50)).toBe(50);
    expect(sut.percentile(95)).toBe(95);
    expect(sut.percentile(99.9)).toBe(100);
    expect(sut.percentile(1)).toBe(1);
  });

  it('gives nothing before it has enough samples to tell what is slow', () => {
    const sut = create({ minSamples: 20 });
    for (let i = 0; i < 19; i++) {
      sut.observe(100);
    }

    expect(sut.percentile(95)).toBeUndefined();
    sut.observe(100);
    expect(sut.percentile(95)).toBe(100);
  });

  it('keeps only the newest samples once full', () => {
    const sut = create({ capacity: 10 });
    for (let i = 0; i < 10; i++) {
      sut.observe(5000);
    }

    for (let i = 0; i < 10; i++) {
      sut.observe(100);
    }

    expect(sut.count).toBe(10);
    expect(sut.percentile(100)).toBe(100);
  });

  it('lets old samples age out, so the percentile follows the pool as it is now', () => {
    const sut = create({ maxAgeMs: 60_000 });
    for (let i = 0; i < 50; i++) {
      sut.observe(5000);
    }
    expect(sut.percentile(95)).toBe(5000);

    clock += 30_000;
    for (let i = 0; i < 50; i++) {
      sut.observe(200);
    }
    expect(sut.percentile(95)).toBe(5000);

    clock += 30_001;
    expect(sut.count).toBe(50);
    expect(sut.percentile(95)).toBe(200);
  });

  it('counts a new sample at once, even within the same millisecond', () => {
    const sut = create();
    sut.observe(100);
    expect(sut.percentile(100)).toBe(100);

    sut.observe(300);

    expect(sut.percentile(100)).toBe(300);
  });
});
