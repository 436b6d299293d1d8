import { Attributes, trace } from '@opentelemetry/api';

/**
 * Records what Ballast decided (a retry scheduled, a breaker skip, a
 * fallback, a hedge, a continuation, a resume) as an event on the active
 * span: the request's server span, or the attempt span when called inside
 * an attempt. Costs one context lookup when tracing is off. Name events
 * `ballast.<what>` and keep attribute values free of prompt text and keys.
 */
export function traceEvent(name: string, attributes?: Attributes): void {
  trace.getActiveSpan()?.addEvent(name, attributes);
}
