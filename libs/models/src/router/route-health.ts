import type { BreakerStateName } from '@ballast/resilience';

const WINDOW = 50;

export type ModelStatus = 'up' | 'degraded' | 'down';

export interface EntryHealth {
  provider: string;
  model: string;
  breaker: BreakerStateName;
  successRate: number | null;
  /** Peak-EWMA of recent latency (time to answer, or to first chunk), ms; 0 before any call. What the `latency` balancer reads. */
  latencyEwmaMs: number;
  lastErrorCode?: string;
  lastProbe?: { at: string; ok: boolean; code?: string };
}

export interface ModelHealth {
  name: string;
  status: ModelStatus;
  entries: EntryHealth[];
}

/** Recent outcomes of one route entry, from real traffic (and probes, for the provider). */
export class EntryRecord {
  private readonly outcomes: boolean[] = [];
  lastErrorCode?: string;

  record(ok: boolean, code?: string): void {
    this.outcomes.push(ok);
    if (this.outcomes.length > WINDOW) {
      this.outcomes.shift();
    }
    if (!ok) {
      this.lastErrorCode = code;
    }
  }

  get successRate(): number | null {
    if (this.outcomes.length === 0) {
      return null;
    }
    return Math.round((this.outcomes.filter(Boolean).length / this.outcomes.length) * 1000) / 1000;
  }
}

/** up: the first entry can serve; degraded: only a fallback can; down: none can. */
export function modelStatus(breakers: BreakerStateName[]): ModelStatus {
  if (breakers[0] !== 'open') {
    return 'up';
  }
  return breakers.some((state) => state !== 'open') ? 'degraded' : 'down';
}
