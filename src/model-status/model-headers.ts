import { describeTarget, RouteTarget } from '@ballast/models';

/** Which route entry answered, for every successful model response. */
export function modelHeaders(served: RouteTarget, fallback: boolean): Record<string, string> {
  return { 'X-Model-Used': describeTarget(served), 'X-Fallback-Used': String(fallback) };
}
