import type { BalancedMember, Balancer, Random } from './balancer';

/** Two distinct indexes in [0, n), uniformly, for n ≥ 2. */
export function twoDistinct(n: number, random: Random): [number, number] {
  const first = Math.floor(random() * n);
  const second = Math.floor(random() * (n - 1));
  return [first, second >= first ? second + 1 : second];
}

/**
 * Power of two choices over each member's peak-EWMA latency times its calls
 * in flight (Finagle's and Linkerd's balancer): two distinct available
 * members are drawn and the cheaper one serves. Cheap (O(1) per pick), and it
 * leaves a slow member a trickle of calls through which it can show recovery.
 */
export class LatencyBalancer implements Balancer {
  constructor(private readonly random: Random = Math.random) {}

  pick<M extends BalancedMember>(members: readonly M[], isAvailable: (member: M) => boolean = () => true): M | undefined {
    const available = members.filter(isAvailable);
    if (available.length < 2) {
      return available[0];
    }
    const [i, j] = twoDistinct(available.length, this.random);
    const a = available[i];
    const b = available[j];
    return b.latency.cost(b.inFlight) < a.latency.cost(a.inFlight) ? b : a;
  }
}
