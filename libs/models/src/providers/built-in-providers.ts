import type { LocalProviderConfig, OpenAiProviderConfig } from '../config/models-file.schema';
import { LocalProvider } from './local/local-provider';
import { OcrWorkerPool } from './local/ocr-worker-pool';
import { OpenAiProvider } from './openai/openai-provider';
import type { ProviderFactory } from './provider-factory';

export const openAiProviderFactory: ProviderFactory = {
  type: 'openai',
  create: (id, config, dependencies) => {
    const { baseUrl, apiKey, limits } = config as OpenAiProviderConfig;
    return new OpenAiProvider(id, { baseUrl, apiKey, limits }, dependencies);
  },
};

export const localProviderFactory: ProviderFactory = {
  type: 'local',
  create: (id, _config: LocalProviderConfig, dependencies) =>
    new LocalProvider(
      id,
      new OcrWorkerPool({ size: dependencies.ocr.workers, queueSize: dependencies.ocr.queueSize, onShed: dependencies.ocr.onShed }),
    ),
};

export const BUILT_IN_PROVIDER_FACTORIES: ProviderFactory[] = [openAiProviderFactory, localProviderFactory];
