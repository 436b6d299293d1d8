import { describeTarget, RouteTarget } from '@ballast/models';
import { modelTimingHeaders } from '@ballast/observability';

/** Which route entry answered, after how many attempts, and where the time went: for every successful model response. */
export function modelHeaders(served: RouteTarget, fallback: boolean): Record<string, string> {
  return { 'X-Model-Used': describeTarget(served), 'X-Fallback-Used': String(fallback), ...modelTimingHeaders() };
}
