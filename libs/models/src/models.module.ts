import { BallastMetrics, ROOT_LOGGER } from '@ballast/observability';
import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import type { ModelsConfig } from './config/models-file.schema';
import { createPolicies } from './create-policies';
import { CHAT_ROUTING, MODEL_PROVIDERS, MODEL_ROUTER, MODELS_OPTIONS, PROVIDER_POLICIES } from './models.tokens';
import type { ModelProvider } from './ports/model-provider.port';
import { BUILT_IN_PROVIDER_FACTORIES } from './providers/built-in-providers';
import { createProviders } from './providers/create-providers';
import { PROVIDER_FACTORIES, ProviderFactory } from './providers/provider-factory';
import { ChatRouting } from './router/chat-routing';
import { ModelProbes } from './router/model-probes';
import { ModelRouter } from './router/model-router';
import type { ProviderPolicy } from '@ballast/resilience';

export interface ModelsModuleOptions {
  models: ModelsConfig;
  requestTimeoutMs: number;
  probeIntervalMs: number;
  ocr: { workers: number; queueSize: number };
}

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
        { provide: MODELS_OPTIONS, useValue: options },
        { provide: PROVIDER_FACTORIES, useValue: BUILT_IN_PROVIDER_FACTORIES },
        {
          provide: MODEL_PROVIDERS,
          inject: [PROVIDER_FACTORIES],
          useFactory: (factories: ProviderFactory[]) => createProviders(options.models, factories, { ocr: options.ocr }),
        },
        {
          provide: PROVIDER_POLICIES,
          inject: [BallastMetrics, ROOT_LOGGER],
          useFactory: (metrics: BallastMetrics, logger: Logger) => createPolicies(options.models, metrics, logger),
        },
        {
          provide: MODEL_ROUTER,
          inject: [MODEL_PROVIDERS, PROVIDER_POLICIES, BallastMetrics, ROOT_LOGGER],
          useFactory: (
            providers: Map<string, ModelProvider>,
            policies: Map<string, ProviderPolicy>,
            metrics: BallastMetrics,
            logger: Logger,
          ) => new ModelRouter(options.models, providers, policies, metrics, logger, options.requestTimeoutMs),
        },
        {
          provide: CHAT_ROUTING,
          inject: [MODEL_ROUTER, BallastMetrics],
          useFactory: (router: ModelRouter, metrics: BallastMetrics) => new ChatRouting(router, metrics),
        },
        {
          provide: ModelProbes,
          inject: [MODEL_ROUTER, ROOT_LOGGER],
          useFactory: (router: ModelRouter, logger: Logger) => new ModelProbes(router, options.probeIntervalMs, logger),
        },
        ModelsLifecycle,
      ],
      exports: [MODEL_ROUTER, CHAT_ROUTING, MODEL_PROVIDERS, ModelProbes, ModelsLifecycle],
    };
  }
}
