import { BallastError } from '@ballast/errors';
import type { Deadline } from './abort/deadline';
import { linkAbort } from './abort/link-abort';

/** What ends an attempt from outside: the request's deadline (and its client), and a caller's own cancel (a hedge's loser). */
export interface AttemptBounds {
  deadline: Deadline;
  cancel?: AbortSignal;
}

/**
 * Runs one attempt with its own time limit. The attempt's signal aborts when
 * the client leaves, when `cancel` aborts, or at the earlier of its limit and
 * the request's deadline: one timer for both, and the reason chosen by which
 * it was (the attempt's MODEL_TIMEOUT, or the deadline's, which then ends
 * the deadline for everyone). The signal is the attempt's only while it
 * runs: then it is unlinked from the client's (a long-lived one, like the
 * probes', keeps no listener per attempt), so whatever outlives the attempt
 * (a stream's body) aborts through a controller of its own, as openLeg does.
 */
export async function withAttemptTimeout<T>(timeoutMs: number, bounds: AttemptBounds, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { deadline, cancel } = bounds;
  deadline.throwIfEnded();
  cancel?.throwIfAborted();
  const limit = new AbortController();
  const unfollowClient = deadline.client?.follow(limit);
  const unlinkCancel = cancel && linkAbort(cancel, limit);
  const untilDeadline = deadline.remainingMs();
  // The error (and its stack) is built only when the time passes: almost no attempt needs it.
  const timer =
    untilDeadline <= timeoutMs
      ? setTimeout(() => limit.abort(deadline.pass()), untilDeadline)
      : setTimeout(
          () => limit.abort(new BallastError('MODEL_TIMEOUT', { cause: new Error(`attempt exceeded ${timeoutMs} ms`) })),
          timeoutMs,
        );
  const signal = limit.signal;
  try {
    return await fn(signal);
  } catch (error) {
    // Whatever the provider threw while being aborted, the abort reason is the truth.
    if (signal.aborted) {
      throw signal.reason;
    }
    throw error;
  } finally {
    clearTimeout(timer);
    unfollowClient?.();
    unlinkCancel?.();
  }
}
