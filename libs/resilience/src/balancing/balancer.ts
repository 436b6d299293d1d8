import type { PeakEwma } from './peak-ewma';

export const BALANCING_STRATEGIES = ['weighted', 'least-loaded', 'latency'] as const;
export type BalancingStrategy = (typeof BALANCING_STRATEGIES)[number];

/** What a balancer reads of one pool member; the caller keeps the member's own identity. */
export interface BalancedMember {
  /** Share of traffic under `weighted`, relative to the others (1 when unset). */
  readonly weight: number;
  /** Calls running on it now (the bulkhead's count). */
  readonly inFlight: number;
  readonly latency: PeakEwma;
}

/**
 * Chooses one member of a pool for the next call. Members the caller cannot
 * use now (open breaker, full bulkhead, the member that just failed) are left
 * out by `isAvailable`; nothing available is `undefined`, and the caller falls
 * through to the next route step.
 */
export interface Balancer {
  pick<M extends BalancedMember>(members: readonly M[], isAvailable?: (member: M) => boolean): M | undefined;
}

/** A source of uniform numbers in [0, 1): `Math.random`, or `seededRandom(seed)` in tests. */
export type Random = () => number;
