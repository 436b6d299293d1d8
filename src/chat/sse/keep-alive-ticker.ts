/** What the ticker calls on every open stream, with the time of the tick. */
export interface KeepAliveTarget {
  tick(now: number): void;
}

/**
 * One timer for the `: keep-alive` comments of every open stream with the
 * same interval, instead of a setInterval per stream: thousands of open
 * streams held thousands of timers and their closures. Runs only while a
 * stream is open, and never keeps the process alive.
 */
export class KeepAliveTicker {
  private readonly streams = new Set<KeepAliveTarget>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly periodMs: number) {}

  add(stream: KeepAliveTarget): void {
    this.streams.add(stream);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.periodMs);
      this.timer.unref();
    }
  }

  delete(stream: KeepAliveTarget): void {
    if (this.streams.delete(stream) && this.streams.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  get size(): number {
    return this.streams.size;
  }

  private tick(): void {
    const now = Date.now();
    for (const stream of this.streams) {
      stream.tick(now);
    }
  }
}

const tickers = new Map<number, KeepAliveTicker>();

/** The shared ticker for streams whose keep-alive comes every `keepAliveMs` (checked twice per interval). */
export function keepAliveTicker(keepAliveMs: number): KeepAliveTicker {
  let ticker = tickers.get(keepAliveMs);
  if (!ticker) {
    ticker = new KeepAliveTicker(Math.max(5, Math.floor(keepAliveMs / 2)));
    tickers.set(keepAliveMs, ticker);
  }
  return ticker;
}
