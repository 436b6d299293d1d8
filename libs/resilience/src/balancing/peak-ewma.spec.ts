import { PeakEwma } from './peak-ewma';

describe('PeakEwma', () => {
  let clock: number;
  let sut: PeakEwma;

  beforeEach(() => {
    clock = 1_000_000;
    sut = new PeakEwma({ decayMs: 1000, now: () => clock });
  });

  it('starts at zero, so a new member is tried first', () => {
    expect(sut.valueMs).toBe(0);
    expect(sut.cost(0)).toBe(0);
  });

  it('jumps to a slower call at once', () => {
    sut.observe(100);
    sut.observe(400);

    expect(sut.valueMs).toBe(400);
  });

  it('decays by 1/e per decay period with no calls', () => {
    sut.observe(400);

    clock += 1000;

    expect(sut.valueMs).toBeCloseTo(400 / Math.E, 6);
  });

  it('moves towards a faster call by how long ago the estimate was made', () => {
    sut.observe(400);
    clock += 1000;

    sut.observe(100);

    expect(sut.valueMs).toBeCloseTo(400 / Math.E + 100 * (1 - 1 / Math.E), 6);
  });

  it('barely moves for a faster call right after the last one', () => {
    sut.observe(400);

    sut.observe(100);

    expect(sut.valueMs).toBe(400);
  });

  it('costs latency times the calls a new one would queue behind', () => {
    sut.observe(50);

    expect(sut.cost(0)).toBe(50);
    expect(sut.cost(3)).toBe(200);
  });

  it('makes a member with calls in flight and no latency known yet the last choice', () => {
    const known = new PeakEwma({ decayMs: 1000, now: () => clock });
    known.observe(60_000);

    expect(sut.cost(1)).toBeGreaterThan(known.cost(10));
    expect(sut.cost(2)).toBeGreaterThan(sut.cost(1));
  });
});
