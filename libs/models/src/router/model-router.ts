import { BallastError, ErrorCode } from '@ballast/errors';
import { BallastMetrics, requestContext, traceEvent } from '@ballast/observability';
import { clientSideOf, Deadline, ProviderPolicy } from '@ballast/resilience';
import type { Logger } from 'pino';
import type { ModelsConfig } from '../config/models-file.schema';
import type { ModelProvider } from '../ports/model-provider.port';
import { buildRoute } from './build-route';
import { entryLabels } from './entry-labels';
import { EntryHealth, EntryRecord, ModelHealth, modelStatus } from './route-health';
import { Capability, describeTarget, RouteStep, RouteTarget } from './route-target';
import { Operation, RoutedHolding, RouteOptions, RouteWalk, WalkEnvironment } from './route-walk';

export type { Operation, RoutedHolding, RouteOptions } from './route-walk';

/** A member's own refusals, as the span event names them (an abort while queued is no skip). */
const SKIP_REASONS: Partial<Record<ErrorCode, string>> = { CIRCUIT_OPEN: 'circuit-open', MODEL_OVERLOADED: 'overloaded' };

interface ModelRoute {
  steps: RouteStep[];
  fallbackOnContentRejected: boolean;
}

/**
 * Resolves a public model name to its route and walks it (see RouteWalk):
 * one deadline across every attempt, the outcome of each member in the
 * metrics and in the recent health that /health/models shows.
 */
export class ModelRouter {
  private readonly routes = new Map<string, ModelRoute>();
  /** Keyed by the target itself: routes are built once, and a string key per outcome was a concatenation on every call. */
  private readonly records = new Map<RouteTarget, EntryRecord>();
  /** Epoch ms of the last real call per provider; idle ones get probed. */
  readonly lastTraffic = new Map<string, number>();
  private readonly environment: WalkEnvironment;

  constructor(
    config: ModelsConfig,
    readonly providers: ReadonlyMap<string, ModelProvider>,
    readonly policies: ReadonlyMap<string, ProviderPolicy>,
    private readonly metrics: BallastMetrics,
    private readonly logger: Logger,
    private readonly requestTimeoutMs: number,
  ) {
    for (const [publicModel, model] of Object.entries(config.models)) {
      this.routes.set(publicModel, {
        steps: buildRoute(publicModel, model, providers, policies),
        fallbackOnContentRejected: model.fallbackOnContentRejected,
      });
    }
    this.environment = {
      policies,
      logger,
      recordOutcome: (target, outcome, started) => this.recordOutcome(target, outcome, started),
      recordRefusal: (target, code) => {
        metrics.modelRequests.inc({ ...entryLabels(target).entry, outcome: code });
        const reason = SKIP_REASONS[code];
        if (reason) {
          traceEvent('ballast.breaker.skip', { 'ballast.route.entry': describeTarget(target), 'ballast.skip.reason': reason });
        }
      },
      recordFallback: (from, to) => metrics.fallbacks.inc({ model: to.publicModel, from: from.providerId, to: to.providerId }),
      recordHedge: (target, outcome) => {
        metrics.hedges.inc({ model: target.publicModel, outcome });
        traceEvent('ballast.hedge', { 'ballast.route.entry': describeTarget(target), 'ballast.hedge.outcome': outcome });
      },
      touch: (target) => this.lastTraffic.set(target.providerId, Date.now()),
    };
  }

  /** For an attempt made outside a walk (a stream's continuation): counted and remembered like any other. */
  get outcomes(): Pick<WalkEnvironment, 'recordOutcome' | 'recordRefusal'> {
    return this.environment;
  }

  get publicModels(): string[] {
    return [...this.routes.keys()];
  }

  /** Every member of the model's route, in order. */
  route(publicModel: string): RouteTarget[] {
    return this.modelRoute(publicModel).steps.flatMap((step) => step.members);
  }

  async run<T>(
    publicModel: string,
    capability: Capability,
    operation: Operation<T>,
    options: RouteOptions = {},
  ): Promise<RoutedHolding<T>> {
    const route = this.modelRoute(publicModel);
    const context = requestContext.current();
    const deadline = new Deadline(this.requestTimeoutMs, options.signal ? clientSideOf(options.signal) : context?.client);
    try {
      const walk = new RouteWalk(this.environment, { publicModel, capability, ...route, deadline, context, options }, operation);
      return await walk.run();
    } finally {
      deadline.dispose();
    }
  }

  /** Per public model and route entry: breaker state, recent success rate, last error code, last probe. */
  health(probes: ReadonlyMap<string, EntryHealth['lastProbe']> = new Map()): ModelHealth[] {
    return [...this.routes.keys()].map((name) => {
      const entries = this.route(name).map((target) => {
        const record = this.records.get(target);
        return {
          provider: target.providerId,
          model: target.model,
          breaker: this.policies.get(target.providerId)!.breaker.stateName,
          successRate: record?.successRate ?? null,
          latencyEwmaMs: Math.round(target.latency.valueMs),
          lastErrorCode: record?.lastErrorCode,
          lastProbe: probes.get(target.providerId),
        };
      });
      // A pool step is open only when every member is: one member up keeps it serving.
      const steps = this.modelRoute(name).steps.map((step) =>
        step.members.every((member) => this.policies.get(member.providerId)!.breaker.stateName === 'open') ? 'open' : 'closed',
      );
      return { name, status: modelStatus(steps), entries };
    });
  }

  private modelRoute(publicModel: string): ModelRoute {
    const route = this.routes.get(publicModel);
    if (!route) {
      const known = this.publicModels;
      throw new BallastError('MODEL_NOT_FOUND', {
        detail: `There is no model named "${publicModel.slice(0, 128)}". Available: ${known.join(', ') || 'none'}.`,
      });
    }
    return route;
  }

  private recordOutcome(target: RouteTarget, outcome: 'success' | ErrorCode, started: number): void {
    const labels = entryLabels(target);
    this.metrics.modelRequests.inc(outcome === 'success' ? labels.success : { ...labels.entry, outcome });
    this.metrics.modelDuration.observe(labels.entry, (performance.now() - started) / 1000);
    // Neither a vanished client nor our own shedding says anything about the entry.
    if (outcome === 'CLIENT_CLOSED_REQUEST' || outcome === 'SHUTTING_DOWN') {
      return;
    }
    let record = this.records.get(target);
    if (!record) {
      record = new EntryRecord();
      this.records.set(target, record);
    }
    record.record(outcome === 'success', outcome);
  }
}
