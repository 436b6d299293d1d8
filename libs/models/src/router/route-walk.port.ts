import type { ErrorCode } from '@ballast/errors';
import type { RequestContext } from '@ballast/observability';
import type { Deadline, ProviderPolicy } from '@ballast/resilience';
import type { Logger } from 'pino';
import type { CallContext } from '../ports/call-context';
import type { HedgeOutcome } from './hedged-attempt';
import type { Capability, Routed, RouteStep, RouteTarget } from './route-target';

/** What a caller of the router may ask for, and what one walk needs from the router that owns it. */
export interface RouteOptions {
  /** The client's signal; defaults to the current request's. */
  signal?: AbortSignal;
  /** Streams: the first-chunk limit replaces the provider's per-attempt limit. */
  attemptTimeoutMs?: (policy: ProviderPolicy) => number;
  /** Streams: keep the provider's bulkhead slot until the stream ends. */
  holdSlot?: boolean;
  /** A value that arrived after another call had already won (the loser of a hedge): close what it holds. */
  discard?: (value: unknown) => void;
}

export type Operation<T> = (target: RouteTarget, context: CallContext) => Promise<T>;

export interface RoutedHolding<T> extends Routed<T> {
  release(): void;
}

/** What a walk needs from the router that owns it. */
export interface WalkEnvironment {
  readonly policies: ReadonlyMap<string, ProviderPolicy>;
  readonly logger: Logger;
  /** A member left after its attempts (or served): metrics and recent health. */
  recordOutcome(target: RouteTarget, outcome: 'success' | ErrorCode, started: number): void;
  /** A member refused the call before any attempt (breaker open, bulkhead full). */
  recordRefusal(target: RouteTarget, code: ErrorCode): void;
  recordFallback(from: RouteTarget, to: RouteTarget): void;
  recordHedge(target: RouteTarget, outcome: HedgeOutcome): void;
  touch(target: RouteTarget): void;
}

export interface WalkRequest {
  publicModel: string;
  steps: readonly RouteStep[];
  capability: Capability;
  /** The model opts in to falling back on CONTENT_REJECTED. */
  fallbackOnContentRejected: boolean;
  deadline: Deadline;
  context?: RequestContext;
  options: RouteOptions;
}
