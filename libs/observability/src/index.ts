export { BallastMetrics } from './ballast-metrics';
export type { BreakerStateValue } from './ballast-metrics';
export { ClientPresence } from './client-presence';
export { REDACTED_PATHS, createLogger } from './create-logger';
export type { LoggerOptions } from './create-logger';
export { ObservabilityModule } from './observability.module';
export type { ObservabilityOptions } from './observability.module';
export { LOG_DESTINATION, ROOT_LOGGER } from './observability.tokens';
export { requestContext } from './request-context';
export type { RequestContext, RequestOutcome } from './request-context';
export { acceptRequestId, acceptTraceparent } from './request-id';
export {
  CLIENT_CLOSED_STATUS,
  UNMATCHED_ROUTE,
  noteRouteTemplate,
  requestContextOf,
  requestLifecycle,
  routeTemplate,
} from './request-lifecycle.middleware';
export { modelTimingHeaders } from './timing/model-timing-headers';
export { RequestTimings, requestTimings } from './timing/request-timings';
export { ModelAttempt } from './tracing/model-attempt';
export type { AttemptStart } from './tracing/model-attempt';
export { applyTracingSettings, startTracing, stopTracing } from './tracing/start-tracing';
export { traceEvent } from './tracing/trace-event';
export { TRACING_OFF } from './tracing/tracing-settings';
export type { TracingSettings } from './tracing/tracing-settings';
export { capturesContent, tracingEnabled } from './tracing/tracing-state';
