export { EMBEDDED_MODELS, POOL_STRATEGIES, modelsFileSchema } from './config/models-file.schema';
export type {
  HedgeConfig,
  LocalProviderConfig,
  ModelConfig,
  ModelsConfig,
  PoolConfig,
  PoolEntryConfig,
  PoolStepConfig,
  PoolStrategy,
  OpenAiProviderConfig,
  ProviderConfig,
  ProviderType,
  RouteEntryConfig,
  RouteStepConfig,
} from './config/models-file.schema';
export { ModelsFileError, loadModelsFile, parseModelsConfig } from './config/load-models-file';
export type { Environment } from './config/load-models-file';
export { answerJson } from './ports/answer-json';
export type { CallContext } from './ports/call-context';
export type { ChatCompletion, ChatCompletionChunk, ChatModelPort, ChatRequest } from './ports/chat-model.port';
export type { ModelProvider } from './ports/model-provider.port';
export type { OcrPort, OcrResult } from './ports/ocr.port';
export { PROVIDER_FACTORIES } from './providers/provider-factory';
export type { ProviderDependencies, ProviderFactory } from './providers/provider-factory';
export { BUILT_IN_PROVIDER_FACTORIES } from './providers/built-in-providers';
export { createProviders } from './providers/create-providers';
export { createModelLayer } from './create-model-layer';
export type { ModelLayer, ModelLayerDependencies, ModelLayerOptions } from './create-model-layer';
export { ChatRouting } from './router/chat-routing';
export type { ChatRoutingOptions, RoutedStream, StreamOptions } from './router/chat-routing';
export { ModelProbes } from './router/model-probes';
export { ModelRouter } from './router/model-router';
export type { Operation, RouteOptions } from './router/model-router';
export type { EntryHealth, ModelHealth, ModelStatus } from './router/route-health';
export { describeTarget } from './router/route-target';
export type { Capability, Routed, RouteTarget } from './router/route-target';
export { ModelsLifecycle, ModelsModule } from './models.module';
export type { ModelsModuleOptions } from './models.module';
export { CHAT_ROUTING, MODEL_PROVIDERS, MODEL_ROUTER } from './models.tokens';
