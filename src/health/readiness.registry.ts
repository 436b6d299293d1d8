import { Injectable } from '@nestjs/common';

/** One fact a module contributes to readiness; `details` must be client-safe (the probe is public). */
export interface ReadinessFact {
  ready: boolean;
  details?: Record<string, unknown>;
}

export interface ReadinessOptions {
  /** Reported in the body (`state: up | down`), never failing readiness: for what degrades the service but does not stop this replica serving. */
  informational?: boolean;
}

export type ReadinessCheck = () => ReadinessFact | Promise<ReadinessFact>;

/**
 * Facts that decide whether this replica should get traffic, contributed by
 * the modules that know them (the shutdown coordinator: "not draining"), and
 * facts reported as information only (the rate-limit store: "Redis
 * reachable"). Register in `onModuleInit`:
 *
 *   this.readiness.register('redis', async () => ({ ready: await this.store.ping() }), { informational: true });
 *
 * Never make decisive anything shared by every replica (an upstream model,
 * Redis): readiness would take them all out at once.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly informational = new Set<string>();

  register(name: string, check: ReadinessCheck, options: ReadinessOptions = {}): void {
    if (this.checks.has(name) || name === 'startup' || name === 'models') {
      throw new Error(`Readiness check "${name}" is already registered`);
    }
    this.checks.set(name, check);
    if (options.informational) {
      this.informational.add(name);
    }
  }

  entries(): Array<[string, ReadinessCheck]> {
    return [...this.checks.entries()];
  }

  isInformational(name: string): boolean {
    return this.informational.has(name);
  }
}
