import { BallastError } from '@ballast/errors';
import type { ModelsConfig } from '../config/models-file.schema';
import type { ModelProvider } from '../ports/model-provider.port';
import type { ProviderDependencies, ProviderFactory } from './provider-factory';

/** One provider instance per configured id, built by the factory registered for its type. */
export function createProviders(
  config: ModelsConfig,
  factories: ProviderFactory[],
  dependencies: ProviderDependencies,
): Map<string, ModelProvider> {
  const byType = new Map(factories.map((factory) => [factory.type, factory]));
  const providers = new Map<string, ModelProvider>();
  for (const [id, providerConfig] of Object.entries(config.providers)) {
    const factory = byType.get(providerConfig.type);
    if (!factory) {
      throw new BallastError('INTERNAL_ERROR', { cause: new Error(`no factory registered for provider type "${providerConfig.type}"`) });
    }
    providers.set(id, factory.create(id, providerConfig, dependencies));
  }
  return providers;
}
