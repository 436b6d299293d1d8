import { hedgeDelay, MIN_ADAPTIVE_HEDGE_DELAY_MS } from './hedge-delay';
import { RecentLatencies } from './recent-latencies';

describe('hedgeDelay', () => {
  const now = 1_000_000;
  let recent: RecentLatencies;

  beforeEach(() => {
    recent = new RecentLatencies({ now: () => now, minSamples: 20 });
  });

  const observe = (ms: number, times: number) => {
    for (let i = 0; i < times; i++) {
      recent.observe(ms);
    }
  };

  it('fires a fixed hedge after its delay', () => {
    expect(hedgeDelay(now, now + 30_000, { afterMs: 250 }, recent)).toBe(250);
  });

  it('fires an adaptive hedge after the recent percentile of time to answer', () => {
    observe(100, 90);
    observe(900, 10);

    expect(hedgeDelay(now, now + 30_000, { percentile: 95 }, recent)).toBe(900);
    expect(hedgeDelay(now, now + 30_000, { percentile: 50 }, recent)).toBe(100);
  });

  it('waits at least MIN_ADAPTIVE_HEDGE_DELAY_MS adaptively, where the percentile is below what a timer can tell apart', () => {
    observe(1, 100);

    expect(hedgeDelay(now, now + 30_000, { percentile: 95 }, recent)).toBe(MIN_ADAPTIVE_HEDGE_DELAY_MS);
    expect(hedgeDelay(now, now + 30_000, { afterMs: 2 }, recent)).toBe(2);
  });

  it('does not hedge adaptively before there are enough recent calls to go by', () => {
    observe(100, 19);

    expect(hedgeDelay(now, now + 30_000, { percentile: 95 }, recent)).toBeUndefined();
  });

  it('never fires a hedge at or past the deadline', () => {
    expect(hedgeDelay(now, now + 250, { afterMs: 250 }, recent)).toBeUndefined();
    expect(hedgeDelay(now, now + 100, { afterMs: 250 }, recent)).toBeUndefined();
    expect(hedgeDelay(now, now + 251, { afterMs: 250 }, recent)).toBe(250);
  });

  it('does not hedge when a typical call could not answer between the hedge and the deadline', () => {
    observe(1000, 50);

    expect(hedgeDelay(now, now + 1900, { afterMs: 1000 }, recent)).toBeUndefined();
    expect(hedgeDelay(now, now + 2100, { afterMs: 1000 }, recent)).toBe(1000);
  });
});
