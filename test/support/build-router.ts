import { BUILT_IN_PROVIDER_FACTORIES, createModelLayer, parseModelsConfig } from '@ballast/models';
import { BallastMetrics } from '@ballast/observability';
import pino from 'pino';

/** The model layer alone, built exactly as ModelsModule builds it, from an in-memory models file. */
export function buildRouter(modelsFile: unknown, options: { requestTimeoutMs?: number } = {}) {
  const metrics = new BallastMetrics({ defaultMetrics: false });
  const layer = createModelLayer(
    {
      models: parseModelsConfig(modelsFile, {}),
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      probeIntervalMs: 0,
      ocr: { workers: 1, queueSize: 1 },
    },
    { factories: BUILT_IN_PROVIDER_FACTORIES, metrics, logger: pino({ level: 'silent' }) },
  );
  return { ...layer, metrics };
}

/** Resilience settings that keep e2e tests fast: tiny backoffs, a breaker that will not open by accident. */
export const FAST_RESILIENCE = {
  retries: 2,
  backoffBaseMs: 5,
  backoffMaxMs: 20,
  breaker: { minCalls: 1000 },
};
