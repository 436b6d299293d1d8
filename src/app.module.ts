import { ModelsModule } from '@ballast/models';
import { ObservabilityModule } from '@ballast/observability';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from './config';
import { AuthModule } from './auth';
import { ChatModule } from './chat/chat.module';
import { ImagesModule } from './images/images.module';
import { ModelStatusModule } from './model-status/model-status.module';
import { VisionModule } from './vision/vision.module';
import { HealthModule } from './health';
import { MetricsModule } from './metrics/metrics.module';
import { ProblemsModule } from './problems/problems.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { ShutdownModule } from './shutdown';
import { PlaygroundModule } from './playground/playground.module';

@Global()
@Module({})
class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot({ level: config.logLevel, pretty: config.isDevelopment }),
        ModelsModule.forRoot({
          models: config.models,
          requestTimeoutMs: config.requestTimeoutMs,
          probeIntervalMs: config.modelProbeIntervalMs,
          ocr: { workers: config.ocrWorkers, queueSize: config.ocrQueueSize },
        }),
        ImagesModule,
        ProblemsModule,
        HealthModule,
        ChatModule,
        ModelStatusModule,
        VisionModule,
        MetricsModule,
        ShutdownModule,
        PlaygroundModule,
        // Global guards run in this order: authenticate first, then count per key.
        AuthModule,
        RateLimitModule,
      ],
    };
  }
}
