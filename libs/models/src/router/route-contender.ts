import { BallastError } from '@ballast/errors';
import type { BulkheadSlot, ProviderPolicy } from '@ballast/resilience';
import { callContextFor } from './call-context-for';
import type { Contender } from './hedged-attempt';
import type { RouteStep, RouteTarget } from './route-target';
import type { Operation, WalkRequest } from './route-walk.port';

/** One attempt on a member, abortable on its own (a hedge race), feeding the member's latency and the pool's. */
export function startContender<T>(
  request: WalkRequest,
  operation: Operation<T>,
  policy: ProviderPolicy,
  step: RouteStep,
  member: RouteTarget,
  slot: BulkheadSlot,
  retriesHere?: (error: BallastError) => boolean,
): Contender<T> {
  // Only a hedge race aborts one contender alone (its loser): elsewhere only the deadline and the client end
  // the attempt from outside (besides its own limit), and the controller it would cost per request is not made.
  // `cancelled` tells the hedge's own abort apart.
  const own = step.hedge ? new AbortController() : undefined;
  let cancelled = false;
  const sentAt = performance.now();
  const result = policy
    .attempt((signal) => operation(member, callContextFor(request.context, member, signal)), {
      deadline: request.deadline,
      cancel: own?.signal,
      timeoutMs: request.options.attemptTimeoutMs?.(policy),
      retriesHere,
    })
    .then(
      (value) => {
        const ms = performance.now() - sentAt;
        member.latency.observe(ms);
        step.hedge?.recent.get(member)?.observe(ms);
        return value;
      },
      (error: unknown) => {
        // A slow end (timed out, or aborted as the loser of a hedge) is news for the balancer; a fast refusal is the breaker's.
        if (error instanceof BallastError && (error.code === 'MODEL_TIMEOUT' || cancelled)) {
          member.latency.observe(performance.now() - sentAt);
        }
        throw error;
      },
    );
  return {
    member,
    slot,
    result,
    abort: (reason) => {
      if (!own) {
        throw new Error(`a contender outside a hedge cannot be aborted alone (${member.providerId})`);
      }
      cancelled = true;
      own.abort(reason);
    },
  };
}
