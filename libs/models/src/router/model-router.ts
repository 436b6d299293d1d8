import { BallastError, ErrorCode } from '@ballast/errors';
import { BallastMetrics, requestContext, traceEvent } from '@ballast/observability';
import { AttemptsExhaustedError, ProviderPolicy, allowsFallback } from '@ballast/resilience';
import type { Logger } from 'pino';
import type { ModelsConfig } from '../config/models-file.schema';
import type { CallContext } from '../ports/call-context';
import type { ModelProvider } from '../ports/model-provider.port';
import { Deadline } from './deadline';
import { exhaustedError, RouteFailure } from './exhausted-error';
import { EntryHealth, EntryRecord, ModelHealth, modelStatus } from './route-health';
import { Capability, describeTarget, Routed, RouteTarget } from './route-target';

export interface RouteOptions {
  /** The client's signal; defaults to the current request's. */
  signal?: AbortSignal;
  /** Streams: the first-chunk limit replaces the provider's per-attempt limit. */
  attemptTimeoutMs?: (policy: ProviderPolicy) => number;
  /** Streams: keep the provider's bulkhead slot until the stream ends. */
  holdSlot?: boolean;
}

export type Operation<T> = (target: RouteTarget, context: CallContext) => Promise<T>;

export interface RoutedHolding<T> extends Routed<T> {
  release(): void;
}

/**
 * Resolves a public model name to its route and walks it: skips entries that
 * are circuit-open or saturated without waiting, runs each through its
 * provider's policy, falls through on transient failures, and keeps one
 * deadline across all of it.
 */
export class ModelRouter {
  private readonly routes = new Map<string, RouteTarget[]>();
  private readonly records = new Map<string, EntryRecord>();
  /** Epoch ms of the last real call per provider; idle ones get probed. */
  readonly lastTraffic = new Map<string, number>();

  constructor(
    config: ModelsConfig,
    readonly providers: ReadonlyMap<string, ModelProvider>,
    readonly policies: ReadonlyMap<string, ProviderPolicy>,
    private readonly metrics: BallastMetrics,
    private readonly logger: Logger,
    private readonly requestTimeoutMs: number,
  ) {
    for (const [publicModel, { route }] of Object.entries(config.models)) {
      this.routes.set(
        publicModel,
        route.map((entry, index) => ({
          publicModel,
          providerId: entry.provider,
          provider: providers.get(entry.provider)!,
          model: entry.model,
          contextWindow: entry.contextWindow,
          index,
        })),
      );
    }
  }

  get publicModels(): string[] {
    return [...this.routes.keys()];
  }

  route(publicModel: string): RouteTarget[] {
    const route = this.routes.get(publicModel);
    if (!route) {
      const known = this.publicModels;
      throw new BallastError('MODEL_NOT_FOUND', {
        detail: `There is no model named "${publicModel.slice(0, 128)}". Available: ${known.join(', ') || 'none'}.`,
      });
    }
    return route;
  }

  async run<T>(
    publicModel: string,
    capability: Capability,
    operation: Operation<T>,
    options: RouteOptions = {},
  ): Promise<RoutedHolding<T>> {
    const route = this.route(publicModel);
    const context = requestContext.current();
    const deadline = new Deadline(this.requestTimeoutMs, options.signal ?? context?.signal);
    const failures: RouteFailure[] = [];
    let attempts = 0;
    try {
      for (const target of route) {
        const policy = this.policies.get(target.providerId)!;
        if (!target.provider[capability]) {
          continue;
        }
        const availability = policy.availability;
        if (availability !== 'available') {
          failures.push({ target, error: this.unavailable(availability, policy) });
          traceEvent('ballast.breaker.skip', { 'ballast.route.entry': describeTarget(target), 'ballast.skip.reason': availability });
          this.metrics.modelRequests.inc({
            model: publicModel,
            provider: target.providerId,
            outcome: availability === 'circuit-open' ? 'CIRCUIT_OPEN' : 'MODEL_OVERLOADED',
          });
          continue;
        }
        if (failures.length > 0) {
          traceEvent('ballast.fallback', {
            'ballast.route.entry': describeTarget(target),
            'ballast.fallback.from': describeTarget(failures[failures.length - 1].target),
            'ballast.error.code': failures[failures.length - 1].error.code,
          });
        }
        const started = performance.now();
        this.lastTraffic.set(target.providerId, Date.now());
        const callContext = (signal: AbortSignal): CallContext => ({
          requestId: context?.requestId ?? 'internal',
          traceparent: context?.traceparent,
          signal,
          route: { entry: describeTarget(target), index: target.index },
        });
        try {
          const executed = await policy.executeHolding((signal) => operation(target, callContext(signal)), {
            signal: deadline.signal,
            deadlineAt: deadline.at,
            attemptTimeoutMs: options.attemptTimeoutMs?.(policy),
          });
          attempts += executed.attempts;
          this.recordOutcome(target, 'success', started);
          if (!options.holdSlot) {
            executed.slot.release();
          }
          const fallback = target.index > 0;
          if (fallback) {
            this.metrics.fallbacks.inc({ model: publicModel, from: route[0].providerId, to: target.providerId });
          }
          requestContext.note({ model: describeTarget(target), attempts, fallback });
          return { value: executed.value, served: target, attempts, fallback, release: () => executed.slot.release() };
        } catch (thrown) {
          const error = thrown instanceof AttemptsExhaustedError ? thrown.error : thrown;
          attempts += thrown instanceof AttemptsExhaustedError ? thrown.attempts : 1;
          const failure = error instanceof BallastError ? error : new BallastError('INTERNAL_ERROR', { cause: error });
          this.recordOutcome(target, failure.code, started);
          this.logger.warn(
            { model: describeTarget(target), code: failure.code, attempts, err: failure.cause ?? failure, upstream: failure.upstream },
            'model call failed',
          );
          requestContext.note({ attempts });
          if (deadline.signal.aborted) {
            throw deadline.signal.reason;
          }
          if (!allowsFallback(failure)) {
            throw failure;
          }
          failures.push({ target, error: failure });
        }
      }
      throw exhaustedError(publicModel, failures, this.policies);
    } finally {
      deadline.dispose();
    }
  }

  /** Per public model and route entry: breaker state, recent success rate, last error code, last probe. */
  health(probes: ReadonlyMap<string, EntryHealth['lastProbe']> = new Map()): ModelHealth[] {
    return [...this.routes.entries()].map(([name, route]) => {
      const entries = route.map((target) => {
        const record = this.records.get(this.key(target));
        return {
          provider: target.providerId,
          model: target.model,
          breaker: this.policies.get(target.providerId)!.breaker.stateName,
          successRate: record?.successRate ?? null,
          lastErrorCode: record?.lastErrorCode,
          lastProbe: probes.get(target.providerId),
        };
      });
      return { name, status: modelStatus(entries.map((entry) => entry.breaker)), entries };
    });
  }

  private unavailable(availability: 'circuit-open' | 'overloaded', policy: ProviderPolicy): BallastError {
    return availability === 'circuit-open'
      ? new BallastError('CIRCUIT_OPEN', { retryAfterSeconds: Math.max(1, Math.ceil(policy.breaker.msUntilHalfOpen() / 1000)) })
      : new BallastError('MODEL_OVERLOADED', { retryAfterSeconds: 1 });
  }

  private recordOutcome(target: RouteTarget, outcome: 'success' | ErrorCode, started: number): void {
    const labels = { model: target.publicModel, provider: target.providerId };
    this.metrics.modelRequests.inc({ ...labels, outcome });
    this.metrics.modelDuration.observe(labels, (performance.now() - started) / 1000);
    if (outcome === 'CLIENT_CLOSED_REQUEST') {
      return;
    }
    const key = this.key(target);
    const record = this.records.get(key) ?? new EntryRecord();
    this.records.set(key, record);
    record.record(outcome === 'success', outcome);
  }

  private key(target: RouteTarget): string {
    return `${target.publicModel}\u0000${target.index}`;
  }
}
