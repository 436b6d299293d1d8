export { HealthModule } from './health.module';
export { MODEL_HEALTH_SOURCE } from './model-health.port';
export type { BreakerState, ModelHealth, ModelHealthSource, ModelStatus, RouteEntryHealth } from './model-health.port';
export { ReadinessRegistry } from './readiness.registry';
export type { ReadinessCheck, ReadinessFact } from './readiness.registry';
export { StartupTracker } from './startup.tracker';
export type { StartupTaskState } from './startup.tracker';
