import type { Balancer, BalancingStrategy, Random } from './balancer';
import { LatencyBalancer } from './latency.balancer';
import { LeastLoadedBalancer } from './least-loaded.balancer';
import { WeightedBalancer } from './weighted.balancer';

/**
 * The balancer for a pool's strategy. Written here: the npm balancers found
 * (e.g. `load-balancers`, unmaintained for years) pick by index with no
 * latency or in-flight signal and no way to leave members out per call.
 */
export function createBalancer(strategy: BalancingStrategy, random: Random = Math.random): Balancer {
  switch (strategy) {
    case 'weighted':
      return new WeightedBalancer(random);
    case 'least-loaded':
      return new LeastLoadedBalancer(random);
    case 'latency':
      return new LatencyBalancer(random);
  }
}
