import { BallastError } from '@ballast/errors';

export interface BulkheadSlot {
  release(): void;
}

interface Waiter {
  grant: (slot: BulkheadSlot) => void;
  settled: boolean;
}

/**
 * A concurrency limit with a short, bounded queue. Written here rather than
 * with cockatiel's BulkheadPolicy because that ties a slot to one promise (a
 * stream must hold its slot past the first chunk), cannot bound how long a
 * caller waits in the queue, and keeps an abandoned waiter's place.
 */
export class Bulkhead {
  private active = 0;
  private readonly queue: Waiter[] = [];
  private limit: number;

  constructor(
    capacity: number,
    readonly queueCapacity: number,
    private readonly maxWaitMs: number,
    private readonly providerId: string,
    /** Called for every call shed (queue full, or the wait ran out). */
    private readonly onShed: () => void = () => undefined,
  ) {
    this.limit = capacity;
  }

  /** How many calls may run at once now (fixed, or set by an adaptive limit). */
  get capacity(): number {
    return this.limit;
  }

  /**
   * Changes the limit at run time. A higher one admits queued callers at once;
   * a lower one lets the calls already running finish and admits no new one
   * until fewer than the new limit run.
   */
  setLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`bulkhead limit must be a positive integer, got ${limit}`);
    }
    this.limit = limit;
    this.admitWaiting();
  }

  get inFlight(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Full: every slot taken and no room to wait. */
  get saturated(): boolean {
    return this.active >= this.capacity && this.queue.length >= this.queueCapacity;
  }

  /** A slot if one is free now, without waiting. */
  tryAcquire(): BulkheadSlot | undefined {
    return this.active < this.capacity ? this.take() : undefined;
  }

  async acquire(signal: AbortSignal): Promise<BulkheadSlot> {
    signal.throwIfAborted();
    const free = this.tryAcquire();
    if (free) {
      return free;
    }
    if (this.queue.length >= this.queueCapacity) {
      throw this.overloaded();
    }
    return new Promise<BulkheadSlot>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, settled: false };
      const leave = (error: unknown) => {
        if (waiter.settled) {
          return;
        }
        waiter.settled = true;
        this.queue.splice(this.queue.indexOf(waiter), 1);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(error);
      };
      const onAbort = () => leave(signal.reason);
      const timer = setTimeout(() => leave(this.overloaded()), this.maxWaitMs);
      waiter.grant = (slot) => {
        waiter.settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(slot);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private take(): BulkheadSlot {
    this.active++;
    let released = false;
    return {
      release: () => {
        if (released) {
          return;
        }
        released = true;
        this.active--;
        this.admitWaiting();
      },
    };
  }

  private admitWaiting(): void {
    while (this.active < this.limit && this.queue.length > 0) {
      this.queue.shift()!.grant(this.take());
    }
  }

  private overloaded(): BallastError {
    this.onShed();
    return new BallastError('MODEL_OVERLOADED', {
      retryAfterSeconds: 1,
      shed: true,
      cause: new Error(`bulkhead of provider ${this.providerId} full: ${this.active} running, ${this.queue.length} waiting`),
    });
  }
}
