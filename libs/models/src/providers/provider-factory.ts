import type { BallastMetrics } from '@ballast/observability';
import type { Logger } from 'pino';
import type { ProviderConfig } from '../config/models-file.schema';
import type { ModelProvider } from '../ports/model-provider.port';

/** What a provider may need from the process, beyond its own configuration. */
export interface ProviderDependencies {
  ocr: { workers: number; queueSize: number; onShed?: () => void };
  metrics: BallastMetrics;
  logger: Logger;
}

/**
 * Adding a provider type: implement ModelProvider (and the capability ports
 * it offers), write a factory for it, and add it to PROVIDER_FACTORIES. The
 * router never needs to know.
 */
export interface ProviderFactory {
  readonly type: string;
  create(id: string, config: ProviderConfig, dependencies: ProviderDependencies): ModelProvider;
}

export const PROVIDER_FACTORIES = Symbol('PROVIDER_FACTORIES');
