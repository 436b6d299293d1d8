import { BallastError } from '@ballast/errors';
import type { ProviderPolicy } from '@ballast/resilience';
import type { RouteTarget } from './route-target';

export interface RouteFailure {
  target: RouteTarget;
  error: BallastError;
}

/**
 * What the client hears when no entry could serve: the one reason when all
 * entries failed alike (a lone upstream's 503 stays a 503, a shed stays
 * MODEL_OVERLOADED, all breakers open is CIRCUIT_OPEN), ALL_ROUTES_FAILED
 * otherwise, with Retry-After at the earliest moment an entry may be back.
 */
export function exhaustedError(publicModel: string, failures: RouteFailure[], policies: ReadonlyMap<string, ProviderPolicy>): BallastError {
  if (failures.length === 0) {
    return new BallastError('MODEL_NOT_FOUND', {
      detail: `The model "${publicModel}" has no route entry that supports this operation.`,
    });
  }
  const halfOpenWaits = failures.map(({ target }) => policies.get(target.providerId)!.breaker.msUntilHalfOpen()).filter((ms) => ms > 0);
  const earliestSeconds = halfOpenWaits.length ? Math.max(1, Math.ceil(Math.min(...halfOpenWaits) / 1000)) : undefined;
  const hints = failures.map(({ error }) => error.retryAfterSeconds).filter((s): s is number => s !== undefined);
  const retryAfterSeconds = earliestSeconds ?? (hints.length ? Math.min(...hints) : 1);
  const codes = new Set(failures.map(({ error }) => error.code));
  const cause = new AggregateError(
    failures.map(({ error }) => error),
    `every route entry of ${publicModel} failed`,
  );
  if (codes.size === 1) {
    const [only] = failures;
    return new BallastError(only.error.code, {
      detail: only.error.detail,
      retryAfterSeconds: only.error.retryable ? retryAfterSeconds : undefined,
      cause: failures.length === 1 ? only.error : cause,
      upstream: only.error.upstream,
    });
  }
  return new BallastError('ALL_ROUTES_FAILED', { retryAfterSeconds, cause });
}
