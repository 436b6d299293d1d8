import { RequestContext, requestContext } from '../request-context';

/**
 * Where one request's time went, as the attempts report it: the answering
 * attempt's upstream time, the time of attempts that failed, backoff
 * before retries and waits for a bulkhead slot. Feeds Server-Timing,
 * X-Ballast-Attempts and the summary line.
 */
export class RequestTimings {
  attempts = 0;
  /** The answering attempt: its whole call, or for a stream the time to its first chunk. */
  upstreamMs?: number;
  failedMs = 0;
  backoffMs = 0;
  queueMs = 0;
  /** The backoff scheduled before the attempt that has not started yet. */
  private pendingBackoffMs = 0;

  /** Returns the attempt's number in this request and the backoff it waited for. */
  attemptStarted(): { ordinal: number; backoffMs: number } {
    const backoffMs = this.pendingBackoffMs;
    this.pendingBackoffMs = 0;
    return { ordinal: ++this.attempts, backoffMs };
  }

  attemptAnswered(ms: number): void {
    this.upstreamMs ??= ms;
  }

  attemptFailed(ms: number): void {
    this.failedMs += ms;
  }

  waited(kind: 'backoff' | 'queue', ms: number): void {
    if (kind === 'backoff') {
      this.backoffMs += ms;
      this.pendingBackoffMs = ms;
    } else {
      this.queueMs += ms;
    }
  }
}

const timings = new WeakMap<RequestContext, RequestTimings>();

/** The current request's timings (made on first use); undefined outside a request. */
export function requestTimings(context: RequestContext | undefined = requestContext.current()): RequestTimings | undefined {
  if (!context) {
    return undefined;
  }
  let found = timings.get(context);
  if (!found) {
    found = new RequestTimings();
    timings.set(context, found);
  }
  return found;
}
