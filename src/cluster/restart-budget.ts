/**
 * How many crashed workers the primary replaces before it gives up: at most
 * `limit` restarts in any `windowMs`. A worker that dies at start-up (a bad
 * port, a broken models file on a shared volume) would otherwise be forked
 * again and again, forever, hiding the failure behind a busy loop.
 */
export class RestartBudget {
  private readonly restarts: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Records a restart at `nowMs` when the budget allows one; false when it is spent. */
  tryRestart(nowMs: number): boolean {
    while (this.restarts.length > 0 && this.restarts[0] <= nowMs - this.windowMs) {
      this.restarts.shift();
    }
    if (this.restarts.length >= this.limit) {
      return false;
    }
    this.restarts.push(nowMs);
    return true;
  }
}
