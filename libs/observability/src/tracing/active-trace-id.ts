import { trace } from '@opentelemetry/api';
import { tracingEnabled } from './tracing-state';

/** The trace id of the active span (the request's server span, in the middleware); undefined with tracing off or unsampled. */
export function activeTraceId(): string | undefined {
  if (!tracingEnabled()) {
    return undefined;
  }
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}
