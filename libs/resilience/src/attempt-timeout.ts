import { BallastError } from '@ballast/errors';
import { linkAbort } from './abort/link-abort';

/**
 * Runs one attempt with its own time limit. The attempt's signal aborts when
 * the caller's signal does (client gone, request deadline) or when the limit
 * passes; only the latter is reported as this attempt's MODEL_TIMEOUT. The
 * signal is the attempt's only while it runs: then it is unlinked from the
 * caller's (a long-lived one, like the probes', keeps no listener per
 * attempt), so whatever outlives the attempt (a stream's body) aborts through
 * a controller of its own, as openLeg does.
 */
export async function withAttemptTimeout<T>(timeoutMs: number, parent: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  parent.throwIfAborted();
  const limit = new AbortController();
  const unlink = linkAbort(parent, limit);
  // The error (and its stack) is built only when the limit passes: almost no attempt needs it.
  const timer = setTimeout(
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
    unlink();
  }
}
