import { RestartBudget } from './restart-budget';

describe('RestartBudget', () => {
  it('allows `limit` restarts inside the window and refuses the next', () => {
    const sut = new RestartBudget(3, 60_000);
    expect([0, 1_000, 2_000].map((t) => sut.tryRestart(t))).toEqual([true, true, true]);
    expect(sut.tryRestart(59_999)).toBe(false);
  });

  it('allows again once the oldest restart has left the window', () => {
    const sut = new RestartBudget(2, 10_000);
    sut.tryRestart(0);
    sut.tryRestart(5_000);
    expect(sut.tryRestart(9_999)).toBe(false);
    expect(sut.tryRestart(10_000)).toBe(true);
    expect(sut.tryRestart(14_999)).toBe(false);
    expect(sut.tryRestart(15_000)).toBe(true);
  });

  it('does not count refused restarts against the budget', () => {
    const sut = new RestartBudget(1, 1_000);
    expect(sut.tryRestart(0)).toBe(true);
    for (let t = 1; t < 1_000; t += 100) {
      expect(sut.tryRestart(t)).toBe(false);
    }
    expect(sut.tryRestart(1_000)).toBe(true);
  });
});
