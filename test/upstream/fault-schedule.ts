import { Fault, resolveFault, ResolvedFault } from './faults';

/** Which fault the next chat request gets: queued faults first (FIFO), then the default, then none. */
export class FaultSchedule {
  private queue: Fault[] = [];
  private fallback: Fault | undefined;

  /** `random` rolls the dice of `random-status` and `sometimes` (seeded in tests that count on them). */
  constructor(private readonly random: () => number = Math.random) {}

  enqueue(faults: Fault[]): void {
    this.queue.push(...faults);
  }

  setDefault(fault: Fault | undefined): void {
    this.fallback = fault;
  }

  reset(): void {
    this.queue = [];
    this.fallback = undefined;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Consumes one queued fault (or reads the default), rolls its dice and reads the load (`inFlight` chat calls, this one included). */
  next(inFlight = 0): ResolvedFault | undefined {
    return resolveFault(this.queue.length > 0 ? this.queue.shift() : this.fallback, this.random, inFlight);
  }
}
