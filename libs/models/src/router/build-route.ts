import { createBalancer, HedgeBudget, PeakEwma, ProviderPolicy, RecentLatencies } from '@ballast/resilience';
import type { ModelConfig, RouteEntryConfig } from '../config/models-file.schema';
import type { ModelProvider } from '../ports/model-provider.port';
import type { RouteStep, RouteTarget, StepHedge } from './route-target';

/** A model's route as the router walks it: one step per route item, a pool's entries as the members of its step. */
export function buildRoute(
  publicModel: string,
  model: ModelConfig,
  providers: ReadonlyMap<string, ModelProvider>,
  policies: ReadonlyMap<string, ProviderPolicy>,
): RouteStep[] {
  const hedgeBudget = model.hedge ? new HedgeBudget(model.hedge.maxExtraRatio) : undefined;
  return model.steps.map((step, index) => {
    const member = (entry: RouteEntryConfig & { weight?: number }): RouteTarget => {
      const bulkhead = policies.get(entry.provider)!.bulkhead;
      return {
        publicModel,
        providerId: entry.provider,
        provider: providers.get(entry.provider)!,
        model: entry.model,
        contextWindow: entry.contextWindow,
        index,
        prefill: entry.prefill,
        weight: entry.weight ?? 1,
        latency: new PeakEwma(),
        get inFlight() {
          return bulkhead.inFlight;
        },
      };
    };
    if (!('pool' in step)) {
      return { index, members: [member(step)] };
    }
    const members = step.pool.entries.map(member);
    const hedge: StepHedge | undefined =
      model.hedge && hedgeBudget
        ? {
            settings: model.hedge,
            budget: hedgeBudget,
            recent: new Map(members.map((target) => [target, new RecentLatencies()])),
          }
        : undefined;
    return { index, members, balancer: createBalancer(step.pool.strategy), hedge };
  });
}
