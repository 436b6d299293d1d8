import type { RequestContext } from '@ballast/observability';
import type { CallContext } from '../ports/call-context';
import { describeTarget, RouteTarget } from './route-target';

/** What one upstream attempt carries: the request's id and traceparent, the attempt's signal, and which route entry it is. */
export function callContextFor(request: RequestContext | undefined, target: RouteTarget, signal: AbortSignal): CallContext {
  return {
    requestId: request?.requestId ?? 'internal',
    traceparent: request?.traceparent,
    signal,
    route: { entry: describeTarget(target), index: target.index },
  };
}
