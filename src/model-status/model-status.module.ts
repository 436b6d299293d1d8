import { MODEL_ROUTER, ModelProbes, ModelRouter, ModelsLifecycle } from '@ballast/models';
import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { MODEL_HEALTH_SOURCE, ModelHealthSource, StartupTracker } from '../health';

/** Tells the health module what the model layer knows: start-up (OCR warm-up) and per-model health. */
@Injectable()
class ModelStartup implements OnModuleInit {
  constructor(
    private readonly lifecycle: ModelsLifecycle,
    private readonly startup: StartupTracker,
  ) {}

  onModuleInit(): void {
    this.startup.track('models', this.lifecycle.start());
  }
}

@Module({
  providers: [
    ModelStartup,
    {
      provide: MODEL_HEALTH_SOURCE,
      inject: [MODEL_ROUTER, ModelProbes],
      useFactory: (router: ModelRouter, probes: ModelProbes): ModelHealthSource => ({ models: () => router.health(probes.results) }),
    },
  ],
})
export class ModelStatusModule {}
