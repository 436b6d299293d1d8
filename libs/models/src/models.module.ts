import { BallastMetrics, ROOT_LOGGER } from '@ballast/observability';
import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { createModelLayer, ModelLayer, ModelLayerOptions } from './create-model-layer';
import { CHAT_ROUTING, MODEL_LAYER, MODEL_PROVIDERS, MODEL_ROUTER } from './models.tokens';
import type { ModelProvider } from './ports/model-provider.port';
import { BUILT_IN_PROVIDER_FACTORIES } from './providers/built-in-providers';
import { PROVIDER_FACTORIES, ProviderFactory } from './providers/provider-factory';
import { ModelProbes } from './router/model-probes';

export type ModelsModuleOptions = ModelLayerOptions;

/** Starts providers (OCR warm-up) at boot, probes idle upstreams, closes everything at shutdown. */
@Injectable()
export class ModelsLifecycle implements OnModuleInit, OnApplicationShutdown {
  private started?: Promise<void>;

  constructor(
    @Inject(MODEL_PROVIDERS) private readonly providers: Map<string, ModelProvider>,
    readonly probes: ModelProbes,
  ) {}

  /** Starts every provider once; resolves when all are ready to serve (health's start-up probe waits for it). */
  start(): Promise<void> {
    if (!this.started) {
      this.started = Promise.all([...this.providers.values()].map((provider) => provider.start?.())).then(() => undefined);
      // Start-up failures surface through the start-up probe, not as an unhandled rejection.
      this.started.catch(() => undefined);
    }
    return this.started;
  }

  onModuleInit(): void {
    void this.start();
    this.probes.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.probes.stop();
    await Promise.allSettled([...this.providers.values()].map((provider) => provider.close?.()));
  }
}

@Global()
@Module({})
export class ModelsModule {
  static forRoot(options: ModelsModuleOptions): DynamicModule {
    return {
      module: ModelsModule,
      providers: [
        { provide: PROVIDER_FACTORIES, useValue: BUILT_IN_PROVIDER_FACTORIES },
        {
          provide: MODEL_LAYER,
          inject: [PROVIDER_FACTORIES, BallastMetrics, ROOT_LOGGER],
          useFactory: (factories: ProviderFactory[], metrics: BallastMetrics, logger: Logger) =>
            createModelLayer(options, { factories, metrics, logger }),
        },
        { provide: MODEL_PROVIDERS, inject: [MODEL_LAYER], useFactory: (layer: ModelLayer) => layer.providers },
        { provide: MODEL_ROUTER, inject: [MODEL_LAYER], useFactory: (layer: ModelLayer) => layer.router },
        { provide: CHAT_ROUTING, inject: [MODEL_LAYER], useFactory: (layer: ModelLayer) => layer.chat },
        { provide: ModelProbes, inject: [MODEL_LAYER], useFactory: (layer: ModelLayer) => layer.probes },
        ModelsLifecycle,
      ],
      exports: [MODEL_ROUTER, CHAT_ROUTING, MODEL_PROVIDERS, ModelProbes, ModelsLifecycle],
    };
  }
}
