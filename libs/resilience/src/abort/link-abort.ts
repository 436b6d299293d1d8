/**
 * Aborts `child` with the parent's reason when `parent` aborts (at once if
 * it already has); returns the unlink. Used where a signal has exactly one
 * parent, instead of `AbortSignal.any([parent, child.signal])`: in Node 20
 * every `any()` builds a further signal tracked through weak references and
 * a FinalizationRegistry, which with three per request was ~4% of a chat
 * request's CPU (createAbortSignal + any in bench/profile.ts) plus the
 * garbage it leaves; one listener does the same job.
 */
export function linkAbort(parent: AbortSignal, child: AbortController): () => void {
  if (parent.aborted) {
    child.abort(parent.reason);
    return noop;
  }
  const follow = () => child.abort(parent.reason);
  parent.addEventListener('abort', follow, { once: true });
  return () => parent.removeEventListener('abort', follow);
}

function noop(): void {}
