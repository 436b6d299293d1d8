import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { AccountingExporter, ExportQueue } from './span-accounting';
import { tracingState } from './tracing-state';

describe('span accounting', () => {
  beforeEach(() => (tracingState.droppedSpans = 0));

  it('admits spans up to the queue size, counts the rest as dropped, and frees room as the exporter takes them', () => {
    const sut = new ExportQueue(2);
    expect([sut.admit(), sut.admit(), sut.admit()]).toEqual([true, true, false]);
    expect(tracingState.droppedSpans).toBe(1);
    sut.taken(2);
    expect(sut.admit()).toBe(true);
    expect(tracingState.droppedSpans).toBe(1);
  });

  it('counts every span of a failed export as dropped, and none of a successful one', () => {
    let result: ExportResult = { code: ExportResultCode.FAILED };
    const inner: SpanExporter = { export: (_spans, done) => done(result), shutdown: () => Promise.resolve() };
    const sut = new AccountingExporter(inner, new ExportQueue(10));
    const spans = [{}, {}, {}] as ReadableSpan[];
    const seen: ExportResult[] = [];
    sut.export(spans, (r) => seen.push(r));
    result = { code: ExportResultCode.SUCCESS };
    sut.export(spans, (r) => seen.push(r));
    expect(tracingState.droppedSpans).toBe(3);
    expect(seen.map((r) => r.code)).toEqual([ExportResultCode.FAILED, ExportResultCode.SUCCESS]);
  });
});
