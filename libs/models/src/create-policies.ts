import { BallastMetrics, BreakerStateValue, requestTimings, traceEvent } from '@ballast/observability';
import { BreakerStateName, ProviderPolicy } from '@ballast/resilience';
import type { Logger } from 'pino';
import type { ModelsConfig } from './config/models-file.schema';

const BREAKER_GAUGE: Record<BreakerStateName, BreakerStateValue> = { closed: 0, 'half-open': 1, open: 2 };

/** One policy per provider, built once at boot, reporting into the metrics and the log. */
export function createPolicies(config: ModelsConfig, metrics: BallastMetrics, logger: Logger): Map<string, ProviderPolicy> {
  const policies = new Map<string, ProviderPolicy>();
  for (const [id, provider] of Object.entries(config.providers)) {
    metrics.breakerState.set({ provider: id }, 0);
    metrics.bulkheadShed.inc({ provider: id }, 0);
    policies.set(
      id,
      new ProviderPolicy(
        id,
        provider.resilience,
        { timeoutMs: provider.timeoutMs, maxConcurrency: provider.maxConcurrency, maxQueue: provider.maxQueue },
        {
          onRetry: (attempt, error, delayMs) => {
            metrics.retries.inc({ provider: id });
            logger.info({ provider: id, attempt, code: error.code, delay_ms: delayMs }, 'retrying model call');
            requestTimings()?.waited('backoff', delayMs);
            traceEvent('ballast.retry', {
              'ballast.provider': id,
              'ballast.attempt': attempt,
              'ballast.error.code': error.code,
              'ballast.retry.wait_ms': delayMs,
            });
          },
          onShed: () => metrics.bulkheadShed.inc({ provider: id }),
          onConcurrencyLimit: (limit) => metrics.concurrencyLimit.set({ provider: id }, limit),
          onBreakerState: (state) => {
            metrics.breakerState.set({ provider: id }, BREAKER_GAUGE[state]);
            metrics.breakerTransitions.inc({ provider: id, state });
            (state === 'open' ? logger.warn : logger.info).call(logger, { provider: id, state }, `circuit breaker ${state}`);
          },
        },
      ),
    );
  }
  return policies;
}
