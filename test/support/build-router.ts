import { BUILT_IN_PROVIDER_FACTORIES, ChatRouting, createPolicies, createProviders, ModelRouter, parseModelsConfig } from '@ballast/models';
import { BallastMetrics } from '@ballast/observability';
import pino from 'pino';

/** The model layer alone, as the app wires it, from an in-memory models file. */
export function buildRouter(modelsFile: unknown, options: { requestTimeoutMs?: number } = {}) {
  const config = parseModelsConfig(modelsFile, {});
  const metrics = new BallastMetrics({ defaultMetrics: false });
  const logger = pino({ level: 'silent' });
  const providers = createProviders(config, BUILT_IN_PROVIDER_FACTORIES, { ocr: { workers: 1, queueSize: 1 } });
  const policies = createPolicies(config, metrics, logger);
  const router = new ModelRouter(config, providers, policies, metrics, logger, options.requestTimeoutMs ?? 10_000);
  return { config, metrics, providers, policies, router, chat: new ChatRouting(router, metrics) };
}

/** Resilience settings that keep e2e tests fast: tiny backoffs, a breaker that will not open by accident. */
export const FAST_RESILIENCE = {
  retries: 2,
  backoffBaseMs: 5,
  backoffMaxMs: 20,
  breaker: { minCalls: 1000 },
};
