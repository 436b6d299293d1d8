import { HedgeBudget } from './hedge-budget';

describe('HedgeBudget', () => {
  let clock: number;
  let sut: HedgeBudget;

  beforeEach(() => {
    clock = 1_000_000;
    sut = new HedgeBudget(0.1, 10_000, () => clock);
  });

  const calls = (n: number) => {
    for (let i = 0; i < n; i++) {
      sut.recordCall();
    }
  };
  const hedges = () => {
    let granted = 0;
    while (sut.tryAcquire()) {
      granted++;
    }
    return granted;
  };

  it('grants hedges up to its share of the calls in the window', () => {
    calls(100);

    expect(hedges()).toBe(10);
  });

  it('grants nothing to a pool with too few calls for one hedge: it has no floor', () => {
    calls(9);

    expect(sut.tryAcquire()).toBe(false);
  });

  it('holds extra calls within the ratio over any stretch of steady traffic', () => {
    let granted = 0;
    let total = 0;
    for (let second = 0; second < 60; second++, clock += 1000) {
      for (let i = 0; i < 50; i++) {
        sut.recordCall();
        total++;
        if (sut.tryAcquire()) {
          granted++;
        }
      }
    }

    expect(granted).toBeLessThanOrEqual(total * 0.1);
    expect(granted).toBeGreaterThan(total * 0.09);
  });

  it('forgets calls and hedges that left the window', () => {
    calls(100);
    hedges();

    clock += 11_000;

    expect(sut.tryAcquire()).toBe(false);
    calls(10);
    expect(hedges()).toBe(1);
  });
});
