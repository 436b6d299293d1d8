export { EMBEDDED_MODELS, modelsFileSchema } from './config/models-file.schema';
export type {
  LocalProviderConfig,
  ModelsConfig,
  OpenAiProviderConfig,
  ProviderConfig,
  ProviderType,
  RouteEntryConfig,
} from './config/models-file.schema';
export { ModelsFileError, loadModelsFile, parseModelsConfig } from './config/load-models-file';
export type { Environment } from './config/load-models-file';
