import type { Context } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';
import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { tracingState } from './tracing-state';

/**
 * Spans handed to the batch processor and not yet taken by its exporter.
 * The batch processor drops silently (no public count) when its queue is
 * full; admitting at most its queue size here means it never has to, and
 * every loss is counted in one place.
 */
export class ExportQueue {
  private queued = 0;

  constructor(private readonly maxSize: number) {}

  admit(): boolean {
    if (this.queued >= this.maxSize) {
      tracingState.droppedSpans++;
      return false;
    }
    this.queued++;
    return true;
  }

  taken(count: number): void {
    this.queued = Math.max(0, this.queued - count);
  }
}

/** Counts open spans (for the no-leak gauge) and bounds what waits for export. */
export class AccountingSpanProcessor implements SpanProcessor {
  constructor(
    private readonly next: SpanProcessor,
    private readonly queue: ExportQueue,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    tracingState.activeSpans++;
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    tracingState.activeSpans--;
    const sampled = (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
    if (sampled && this.queue.admit()) {
      this.next.onEnd(span);
    }
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

/** Counts the spans of every failed export (collector down, refused, timed out) as dropped. */
export class AccountingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly queue: ExportQueue,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.queue.taken(spans.length);
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) {
        tracingState.droppedSpans += spans.length;
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
