import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { LivenessIndicator } from './liveness.indicator';
import { ModelHealthReader } from './model-health.reader';
import { ReadinessIndicators } from './readiness.indicators';
import { ReadinessRegistry } from './readiness.registry';
import { StartupTracker } from './startup.tracker';

/** Probes, plus the two registries other modules feed: start-up work and readiness facts. */
@Global()
@Module({
  // Failures are logged by HealthCheckFilter, once, through pino.
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
  controllers: [HealthController],
  providers: [LivenessIndicator, StartupTracker, ReadinessRegistry, ReadinessIndicators, ModelHealthReader],
  exports: [StartupTracker, ReadinessRegistry],
})
export class HealthModule {}
