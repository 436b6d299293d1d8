import type { BalancedMember, Balancer, HedgeBudget, HedgeSettings, RecentLatencies } from '@ballast/resilience';
import type { ModelProvider } from '../ports/model-provider.port';

/** One entry of a public model's route (or one member of a pool step), resolved to its provider. */
export interface RouteTarget extends BalancedMember {
  readonly publicModel: string;
  readonly providerId: string;
  readonly provider: ModelProvider;
  readonly model: string;
  readonly contextWindow?: number;
  /** The route step this target belongs to (0 = the first). */
  readonly index: number;
  /** The entry can continue a partial assistant answer (`prefill: true` in the models file). */
  readonly prefill?: boolean;
}

/** One step of a route: the members that can serve it (one for a plain entry, with no balancer). */
export interface RouteStep {
  readonly index: number;
  readonly members: readonly RouteTarget[];
  readonly balancer?: Balancer;
  /** Pools of a model with `hedge`: when to send the second call, and how many may be sent. */
  readonly hedge?: StepHedge;
}

export interface StepHedge {
  readonly settings: HedgeSettings;
  readonly budget: HedgeBudget;
  /**
   * Each member's recent time to answer (or to first chunk). The adaptive
   * delay is the lowest of the members' percentiles: one member stalling on
   * more than 5% of its calls would otherwise make the pool's p95 the stall
   * itself, and no hedge would ever fire.
   */
  readonly recent: ReadonlyMap<RouteTarget, RecentLatencies>;
}

export interface Routed<T> {
  value: T;
  served: RouteTarget;
  attempts: number;
  fallback: boolean;
}

export type Capability = 'chat';

export function describeTarget(target: RouteTarget): string {
  return `${target.publicModel}/${target.providerId}/${target.model}`;
}
