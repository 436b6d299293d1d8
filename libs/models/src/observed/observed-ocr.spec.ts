import { BallastError } from '@ballast/errors';
import { applyTracingSettings, TRACING_OFF } from '@ballast/observability';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { OcrPort } from '../ports/ocr.port';
import { ObservedOcr } from './observed-ocr';

describe('ObservedOcr', () => {
  const exporter = new InMemorySpanExporter();
  const facts = { id: 'local', type: 'local', attributes: {}, breakerState: () => 'closed' };
  const context = { requestId: 'r', signal: new AbortController().signal, route: { entry: 'ocr/local/ocr', index: 0 } };
  const image = Buffer.from('IMAGE-BYTES-never-in-a-span');

  beforeAll(() => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    applyTracingSettings({ ...TRACING_OFF, enabled: true, exporters: ['otlp'] });
  });
  afterAll(() => {
    applyTracingSettings(TRACING_OFF);
    trace.disable();
  });
  beforeEach(() => exporter.reset());

  it('reports a recognition as an `ocr` attempt with the image size, never its bytes', async () => {
    const inner: OcrPort = { recognize: () => Promise.resolve({ text: 'INVOICE', confidence: 0.9 }) };
    await new ObservedOcr(inner, facts).recognize(image, context);
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('ocr ocr');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'ocr',
      'ballast.image.bytes': image.length,
      'ballast.ocr.confidence': 0.9,
    });
    expect(JSON.stringify(span.attributes)).not.toContain('IMAGE-BYTES');
    expect(JSON.stringify(span.attributes)).not.toContain('INVOICE');
  });

  it('marks a shed job as an error', async () => {
    const inner: OcrPort = { recognize: () => Promise.reject(new BallastError('MODEL_OVERLOADED')) };
    await expect(new ObservedOcr(inner, facts).recognize(image, context)).rejects.toThrow();
    expect(exporter.getFinishedSpans()[0].status).toEqual({ code: SpanStatusCode.ERROR, message: 'MODEL_OVERLOADED' });
  });
});
