import { requestContext } from '../request-context';
import { requestTimings } from './request-timings';

const tenths = (ms: number) => Math.round(Math.max(0, ms) * 10) / 10;

/**
 * `X-Ballast-Attempts` and a W3C `Server-Timing` for a model answer, as
 * they stand now (for a stream: at its first event). The same figures go
 * to the request's summary line (`server_timing`), so header and log agree.
 * `ballast` is Ballast's own time: everything since the request arrived
 * that was neither upstream time nor waiting.
 */
export function modelTimingHeaders(): Record<string, string> {
  const context = requestContext.current();
  const timings = requestTimings(context);
  if (!context || !timings) {
    return {};
  }
  const upstream = timings.upstreamMs ?? 0;
  const elapsed = performance.now() - context.startedAt;
  const figures = {
    ballast: tenths(elapsed - upstream - timings.failedMs - timings.backoffMs - timings.queueMs),
    upstream: tenths(upstream),
    failed: tenths(timings.failedMs),
    backoff: tenths(timings.backoffMs),
    queue: tenths(timings.queueMs),
  };
  context.outcome.timing = figures;
  const attempts = context.outcome.attempts ?? timings.attempts;
  const { ballast, failed, backoff, queue } = figures;
  return {
    'X-Ballast-Attempts': String(attempts),
    // One template, not entries().map().join(): the same header on every model answer, without the arrays.
    'Server-Timing': `ballast;dur=${ballast}, upstream;dur=${figures.upstream}, failed;dur=${failed}, backoff;dur=${backoff}, queue;dur=${queue}`,
  };
}
