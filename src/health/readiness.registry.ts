import { Injectable } from '@nestjs/common';

/** One fact a module contributes to readiness; `details` must be client-safe (the probe is public). */
export interface ReadinessFact {
  ready: boolean;
  details?: Record<string, unknown>;
}

export type ReadinessCheck = () => ReadinessFact | Promise<ReadinessFact>;

/**
 * Facts that decide whether this replica should get traffic, contributed by
 * the modules that know them (the shutdown coordinator: "not draining"; the
 * rate-limit store: "Redis reachable"). Register in `onModuleInit`:
 *
 *   this.readiness.register('redis', async () => ({ ready: await this.store.ping() }));
 *
 * Never register anything that depends on an upstream model: readiness must
 * not take every replica out when a model is down.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name) || name === 'startup' || name === 'models') {
      throw new Error(`Readiness check "${name}" is already registered`);
    }
    this.checks.set(name, check);
  }

  entries(): Array<[string, ReadinessCheck]> {
    return [...this.checks.entries()];
  }
}
