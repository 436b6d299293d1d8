import { FixedWindowMemoryStore } from './fixed-window.memory-store';

describe('FixedWindowMemoryStore', () => {
  let now = 1_000_000;
  let sut: FixedWindowMemoryStore;
  beforeEach(() => {
    now = 1_000_000;
    sut = new FixedWindowMemoryStore(() => now);
  });
  afterEach(() => sut.close());

  it('counts hits in a window, blocks past the limit, and opens a fresh window after it', async () => {
    expect(await sut.increment('k', 60_000, 2, 60_000, 'api')).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    now += 10_000;
    expect(await sut.increment('k', 60_000, 2, 60_000, 'api')).toMatchObject({ totalHits: 2, timeToExpire: 50, isBlocked: false });
    expect(await sut.increment('k', 60_000, 2, 60_000, 'api')).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 60 });
    now += 61_000;
    expect(await sut.increment('k', 60_000, 2, 60_000, 'api')).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('keeps keys apart', async () => {
    await sut.increment('a', 60_000, 1, 60_000, 'api');
    expect((await sut.increment('b', 60_000, 1, 60_000, 'api')).isBlocked).toBe(false);
  });

  it('counts 200,000 hits in one window at a cost that does not grow with the hits, and still blocks past the limit', async () => {
    const batch = async (n: number) => {
      const started = performance.now();
      let last;
      for (let i = 0; i < n; i++) {
        last = await sut.increment('k', 60_000, 199_999, 60_000, 'api');
      }
      return { ms: performance.now() - started, last };
    };
    const first = await batch(10_000);
    await batch(180_000);
    const final = await batch(10_000);
    expect(final.last).toMatchObject({ totalHits: 200_000, isBlocked: true });
    expect(sut.size).toBe(1);
    // A store that keeps a timestamp per hit does ~20x the work per hit at the end; generous for a shared machine.
    expect(final.ms).toBeLessThan(first.ms * 5 + 50);
  });

  it('drops ended windows when it sweeps', async () => {
    await sut.increment('k', 1000, 5, 1000, 'api');
    now += 1001;
    sut.sweep();
    expect(sut.size).toBe(0);
  });
});
