import type { BalancedMember } from './balancer';
import { PeakEwma } from './peak-ewma';

export interface TestMember extends BalancedMember {
  name: string;
  weight: number;
  inFlight: number;
}

/** A pool member for specs: mutable in-flight count, latency read on the given clock. */
export function testMember(name: string, now: () => number, overrides: Partial<Omit<TestMember, 'name' | 'latency'>> = {}): TestMember {
  return { name, weight: 1, inFlight: 0, latency: new PeakEwma({ now }), ...overrides };
}

export function countPicks<M extends { name: string }>(pick: () => M | undefined, times: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < times; i++) {
    const name = pick()?.name ?? 'none';
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
