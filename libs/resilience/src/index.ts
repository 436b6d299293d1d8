export { DEFAULT_RESILIENCE } from './resilience-settings';
export type { BreakerSettings, ResilienceSettings } from './resilience-settings';
