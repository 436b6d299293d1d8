/**
 * The model layer's view of its own health, read by `/health/ready`
 * (`details.models`, information only) and `/health/models`. Bind it in any
 * module — it is looked up across the whole app, so it need not be exported:
 *
 *   providers: [{ provide: MODEL_HEALTH_SOURCE, useExisting: ModelRouter }]
 *
 * Without a binding both routes report no models.
 */
export const MODEL_HEALTH_SOURCE = Symbol('MODEL_HEALTH_SOURCE');

export type ModelStatus = 'up' | 'degraded' | 'down';
export type BreakerState = 'closed' | 'half-open' | 'open';

export interface RouteEntryHealth {
  provider: string;
  model: string;
  breaker: BreakerState;
  /** Share of recent calls that succeeded, 0..1; null when there were none. */
  successRate: number | null;
  /** Recent latency of the entry (peak-EWMA, ms), when the model layer tracks it. */
  latencyEwmaMs?: number;
  /** A taxonomy code, never upstream text. */
  lastErrorCode?: string;
  lastProbe?: { at: string; ok: boolean };
}

export interface ModelHealth {
  /** The public model name. */
  name: string;
  status: ModelStatus;
  entries: RouteEntryHealth[];
}

export interface ModelHealthSource {
  models(): ModelHealth[] | Promise<ModelHealth[]>;
}
