import { BallastMetrics } from '@ballast/observability';
import type { Logger } from 'pino';
import type { ModelsConfig } from './config/models-file.schema';
import { createPolicies } from './create-policies';
import { observeProviders } from './observed/observe-providers';
import { createProviders } from './providers/create-providers';
import type { ProviderFactory } from './providers/provider-factory';
import { ChatRouting } from './router/chat-routing';
import { ModelProbes } from './router/model-probes';
import { ModelRouter } from './router/model-router';

export interface ModelLayerOptions {
  models: ModelsConfig;
  requestTimeoutMs: number;
  probeIntervalMs: number;
  ocr: { workers: number; queueSize: number };
}

export interface ModelLayerDependencies {
  factories: ProviderFactory[];
  metrics: BallastMetrics;
  logger: Logger;
}

/** The whole model layer, built once: one provider and one policy per configured provider, the router over them. */
export function createModelLayer(options: ModelLayerOptions, { factories, metrics, logger }: ModelLayerDependencies) {
  const policies = createPolicies(options.models, metrics, logger);
  const providers = observeProviders(
    createProviders(options.models, factories, {
      ocr: { ...options.ocr, onShed: () => metrics.ocrQueueShed.inc() },
      metrics,
      logger,
    }),
    options.models,
    policies,
  );
  const router = new ModelRouter(options.models, providers, policies, metrics, logger, options.requestTimeoutMs);
  return {
    providers,
    policies,
    router,
    chat: new ChatRouting(router, metrics, { models: options.models, requestTimeoutMs: options.requestTimeoutMs, logger }),
    probes: new ModelProbes(router, options.probeIntervalMs, logger),
  };
}

export type ModelLayer = ReturnType<typeof createModelLayer>;
