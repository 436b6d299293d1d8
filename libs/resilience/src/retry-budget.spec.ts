import { RetryBudget } from './retry-budget';

/** Takes retries until the budget says no; returns how many it gave. */
function drain(budget: RetryBudget, limit = 10_000): number {
  let granted = 0;
  while (granted < limit && budget.hasRoom()) {
    budget.spend();
    granted++;
  }
  return granted;
}

function recordCalls(budget: RetryBudget, calls: number): void {
  for (let i = 0; i < calls; i++) {
    budget.recordCall();
  }
}

describe('RetryBudget', () => {
  it('does not spend when asked whether it has room', () => {
    const sut = new RetryBudget(0.2, 10_000, 0.1);
    expect(sut.hasRoom()).toBe(true);
    expect(sut.hasRoom()).toBe(true);
    sut.spend();
    expect(sut.hasRoom()).toBe(false);
  });

  beforeEach(() => {
    jest.useFakeTimers();
    // A whole second, so the 1 s buckets line up with the test's clock.
    jest.setSystemTime(new Date('2026-01-01T00:00:00.000Z'));
  });
  afterEach(() => jest.useRealTimers());

  it('allows the floor (3 retries/s over the 10 s window = 30) even with no calls, then refuses', () => {
    const sut = new RetryBudget(0.2);

    expect(drain(sut)).toBe(30);
    expect(sut.hasRoom()).toBe(false);
  });

  it('keeps the floor while ratio × calls is below it', () => {
    const sut = new RetryBudget(0.2);
    recordCalls(sut, 100); // 20% of 100 = 20 < 30

    expect(drain(sut)).toBe(30);
  });

  it('caps retries at the ratio of calls over the window once that is above the floor', () => {
    const sut = new RetryBudget(0.2);
    recordCalls(sut, 500);

    expect(drain(sut)).toBe(100);
    expect(sut.hasRoom()).toBe(false);
  });

  it('counts calls made anywhere in the window', async () => {
    const sut = new RetryBudget(0.2);
    for (let second = 0; second < 5; second++) {
      recordCalls(sut, 50);
      await jest.advanceTimersByTimeAsync(1000);
    }

    expect(drain(sut)).toBe(50);
  });

  it('grows as new calls arrive after it was spent', () => {
    const sut = new RetryBudget(0.2);
    recordCalls(sut, 200);
    expect(drain(sut)).toBe(40);

    recordCalls(sut, 10); // 210 calls → 42 retries in all
    expect(drain(sut)).toBe(2);
  });

  it('stays spent while the spent retries are inside the window', async () => {
    const sut = new RetryBudget(0.2);
    drain(sut);

    await jest.advanceTimersByTimeAsync(9_000);

    expect(sut.hasRoom()).toBe(false);
  });

  it('recovers once the window has passed', async () => {
    const sut = new RetryBudget(0.2);
    drain(sut);

    await jest.advanceTimersByTimeAsync(11_000);

    expect(drain(sut)).toBe(30);
  });

  it('forgets calls that have left the window, falling back to the floor', async () => {
    const sut = new RetryBudget(0.2);
    recordCalls(sut, 500);

    await jest.advanceTimersByTimeAsync(11_000);

    expect(drain(sut)).toBe(30);
  });

  it('recovers gradually: retries spent in an old second free up while newer ones still count', async () => {
    const sut = new RetryBudget(0.2);
    expect(drain(sut, 20)).toBe(20); // second 0
    await jest.advanceTimersByTimeAsync(5_000);
    expect(drain(sut)).toBe(10); // second 5: the floor is used up

    await jest.advanceTimersByTimeAsync(6_000); // second 11: second 0 has left the window

    expect(drain(sut)).toBe(20);
  });

  it('honours its window, floor and clock parameters', () => {
    let now = 0;
    const sut = new RetryBudget(0.5, 2_000, 1, () => now);
    expect(drain(sut)).toBe(2); // 1/s × 2 s

    recordCalls(sut, 10);
    expect(drain(sut)).toBe(3); // 50% of 10 = 5 in all

    now = 3_000;
    expect(drain(sut)).toBe(2);
  });
});
