import { BallastError } from '@ballast/errors';
import { Attributes, context, defaultTextMapSetter, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { RequestTimings, requestTimings } from '../timing/request-timings';
import { tracingEnabled } from './tracing-state';

/** What is known about an attempt when it is dispatched. */
export interface AttemptStart {
  /** gen_ai.operation.name: `chat`, or `ocr` for the embedded OCR. */
  operation: string;
  providerId: string;
  /** gen_ai.provider.name: the provider's type (`openai` for any OpenAI-compatible API). */
  providerType: string;
  model: string;
  /** Further attributes known at dispatch (request parameters, route entry, breaker state). */
  attributes?: Attributes;
}

const tracer = () => trace.getTracer('ballast');
// W3C whatever OTEL_PROPAGATORS says: the contract passes a traceparent upstream.
const w3c = new W3CTraceContextPropagator();

/**
 * One upstream attempt: its timing for Server-Timing (always) and, with
 * tracing on, its gen_ai client span, whose traceparent is the one to send
 * upstream. Ends once, whichever comes first: success, failure, or the
 * attempt being abandoned (client gone, time limit).
 */
export class ModelAttempt {
  readonly ordinal: number;
  private readonly startedAt = performance.now();
  private readonly timings?: RequestTimings;
  private readonly span?: Span;
  private answered = false;
  private ended = false;

  constructor(start: AttemptStart) {
    this.timings = requestTimings();
    const { ordinal, backoffMs } = this.timings?.attemptStarted() ?? { ordinal: 1, backoffMs: 0 };
    this.ordinal = ordinal;
    if (tracingEnabled()) {
      this.span = tracer().startSpan(`${start.operation} ${start.model}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': start.operation,
          'gen_ai.provider.name': start.providerType,
          'gen_ai.system': start.providerType,
          'gen_ai.request.model': start.model,
          'ballast.provider': start.providerId,
          'ballast.attempt': ordinal,
          'ballast.retry.wait_ms': backoffMs,
          ...start.attributes,
        },
      });
    }
  }

  /** The W3C traceparent of this attempt's span; undefined with tracing off. */
  traceparent(): string | undefined {
    if (!this.span) {
      return undefined;
    }
    const carrier: Record<string, string> = {};
    w3c.inject(trace.setSpan(context.active(), this.span), carrier, defaultTextMapSetter);
    return carrier.traceparent;
  }

  /** Runs `fn` with this attempt's span active, so events and nested spans land on it. */
  within<T>(fn: () => T): T {
    return this.span ? context.with(trace.setSpan(context.active(), this.span), fn) : fn();
  }

  /** A stream's first chunk: the time the client's headers will report. */
  firstChunk(): void {
    if (this.answered || this.ended) {
      return;
    }
    this.answered = true;
    const ms = performance.now() - this.startedAt;
    this.timings?.attemptAnswered(ms);
    this.span?.setAttribute('gen_ai.response.time_to_first_chunk', ms / 1000);
  }

  annotate(attributes: Attributes): void {
    this.span?.setAttributes(attributes);
  }

  succeeded(attributes?: Attributes): void {
    if (this.ended) {
      return;
    }
    if (!this.answered) {
      this.answered = true;
      this.timings?.attemptAnswered(performance.now() - this.startedAt);
    }
    this.finish(attributes);
  }

  /** A failure (or an abandoned attempt: `error` is the abort reason). */
  failed(error: unknown, attributes?: Attributes): void {
    if (this.ended) {
      return;
    }
    if (!this.answered) {
      this.timings?.attemptFailed(performance.now() - this.startedAt);
    }
    const code = error instanceof BallastError ? error.code : 'INTERNAL_ERROR';
    const status = error instanceof BallastError ? error.upstream?.status : undefined;
    this.span?.setStatus({ code: SpanStatusCode.ERROR, message: code });
    this.finish({ ...attributes, 'error.type': code, 'ballast.error.code': code, 'http.response.status_code': status });
  }

  private finish(attributes?: Attributes): void {
    this.ended = true;
    if (this.span) {
      if (attributes) {
        this.span.setAttributes(attributes);
      }
      this.span.end();
    }
  }
}
