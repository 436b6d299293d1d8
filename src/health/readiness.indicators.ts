import { Injectable } from '@nestjs/common';
import { HealthIndicatorFunction, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ModelHealthReader } from './model-health.reader';
import { ReadinessFact, ReadinessRegistry } from './readiness.registry';
import { StartupTracker } from './startup.tracker';

/** A readiness fact that does not answer in this time counts as not ready (Kubernetes' probe timeout is 1 s). */
export const READINESS_CHECK_TIMEOUT_MS = 800;

/** Turns the start-up tracker, the registered readiness facts and model health into terminus indicators. */
@Injectable()
export class ReadinessIndicators {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly startupTracker: StartupTracker,
    private readonly registry: ReadinessRegistry,
    private readonly modelHealth: ModelHealthReader,
  ) {}

  startup(): HealthIndicatorResult {
    const indicator = this.health.check('startup');
    const details = { tasks: this.startupTracker.snapshot() };
    return this.startupTracker.finished ? indicator.up(details) : indicator.down(details);
  }

  facts(): HealthIndicatorFunction[] {
    return this.registry.entries().map(([name, check]) => async () => {
      const indicator = this.health.check(name);
      const fact = await withTimeout(check);
      if (this.registry.isInformational(name)) {
        return indicator.up({ state: fact.ready ? 'up' : 'down', ...fact.details });
      }
      return fact.ready ? indicator.up(fact.details) : indicator.down(fact.details);
    });
  }

  /** Information only: always `up`, whatever the models' state. */
  async models(): Promise<HealthIndicatorResult> {
    const indicator = this.health.check('models');
    const models = await this.modelHealth.models();
    if (!models) {
      return indicator.up({ models: {}, message: 'model health unavailable' });
    }
    return indicator.up({ models: Object.fromEntries(models.map((model) => [model.name, model.status])) });
  }
}

async function withTimeout(check: () => ReadinessFact | Promise<ReadinessFact>): Promise<ReadinessFact> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessFact>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, details: { message: 'check timed out' } }), READINESS_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve().then(check), timeout]);
  } catch {
    return { ready: false, details: { message: 'check failed' } };
  } finally {
    clearTimeout(timer);
  }
}
