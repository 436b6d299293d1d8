/** Per-provider resilience knobs; the models file may override any of them. */
export interface BreakerSettings {
  failureRate: number;
  minCalls: number;
  windowMs: number;
  cooldownMs: number;
}

export interface ResilienceSettings {
  retries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  retryBudget: number;
  breaker: BreakerSettings;
  firstChunkTimeoutMs: number;
  idleTimeoutMs: number;
  /** The bulkhead's limit follows the upstream's latency, up to `maxConcurrency`. */
  adaptiveConcurrency: boolean;
}

export const DEFAULT_RESILIENCE: ResilienceSettings = {
  retries: 2,
  backoffBaseMs: 200,
  backoffMaxMs: 5000,
  retryBudget: 0.2,
  breaker: { failureRate: 0.5, minCalls: 10, windowMs: 30_000, cooldownMs: 15_000 },
  firstChunkTimeoutMs: 60_000,
  idleTimeoutMs: 30_000,
  adaptiveConcurrency: false,
};
