import { Fault, resolveFault, ResolvedFault, seededRandom } from './faults';

/** Which fault the next chat request gets: queued faults first (FIFO), then the default, then none. */
export class FaultSchedule {
  private queue: Fault[] = [];
  private fallback: Fault | undefined;
  private random: () => number;

  /** With a seed, `random-status` rolls the same sequence after every reset; without one, Math.random. */
  constructor(private readonly seed?: number) {
    this.random = this.dice();
  }

  enqueue(faults: Fault[]): void {
    this.queue.push(...faults);
  }

  setDefault(fault: Fault | undefined): void {
    this.fallback = fault;
  }

  reset(): void {
    this.queue = [];
    this.fallback = undefined;
    this.random = this.dice();
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Consumes one queued fault (or reads the default) and rolls the dice of `random-status`. */
  next(): ResolvedFault | undefined {
    return resolveFault(this.queue.length > 0 ? this.queue.shift() : this.fallback, this.random);
  }

  private dice(): () => number {
    return this.seed === undefined ? Math.random : seededRandom(this.seed);
  }
}
