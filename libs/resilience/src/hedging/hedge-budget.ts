import { RetryBudget } from '../retry-budget';

/**
 * Caps hedges (second calls for one request) at a fraction of calls over a
 * sliding window, so that a slow pool cannot be doubled by its own hedges.
 * The same sliding count as the retry budget, but with no floor: hedges are
 * an optimisation, and a quiet pool needs none to stay correct.
 */
export class HedgeBudget {
  private readonly budget: RetryBudget;

  constructor(maxExtraRatio: number, windowMs = 10_000, now: () => number = Date.now) {
    this.budget = new RetryBudget(maxExtraRatio, windowMs, 0, now);
  }

  /** Counts one request that might be hedged. */
  recordCall(): void {
    this.budget.recordCall();
  }

  /** Takes one hedge from the budget, or says no. */
  tryAcquire(): boolean {
    if (!this.budget.hasRoom()) {
      return false;
    }
    this.budget.spend();
    return true;
  }
}
