import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { decorateServerSpan, isUntracedPath } from './server-span';
import { AccountingExporter, AccountingSpanProcessor, ExportQueue } from './span-accounting';
import type { TracingSettings } from './tracing-settings';

function exporterFor(kind: TracingSettings['exporters'][number], settings: TracingSettings): SpanExporter {
  if (kind === 'console') {
    return new ConsoleSpanExporter();
  }
  // Endpoint, headers, timeout and compression come from the exporter's own OTEL_EXPORTER_OTLP_* variables.
  return settings.protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtobufExporter();
}

/**
 * The OpenTelemetry Node SDK as Ballast runs it: the HTTP server span of
 * every request (continuing an incoming traceparent; health and metrics
 * left out), Ballast's own attempt spans, batched export through a bounded
 * queue whose losses are counted. Outgoing HTTP is not instrumented: the
 * attempt span is the client span, and its traceparent is the one sent
 * upstream. No metrics or logs pipelines: Prometheus and stdout own those.
 */
export function startSdk(settings: TracingSettings): NodeSDK {
  const processors: SpanProcessor[] = settings.exporters.map((kind) => {
    const queue = new ExportQueue(settings.maxQueueSize);
    const batch = new BatchSpanProcessor(new AccountingExporter(exporterFor(kind, settings), queue), {
      maxQueueSize: settings.maxQueueSize,
    });
    return new AccountingSpanProcessor(batch, queue);
  });
  const sdk = new NodeSDK({
    // `ballast` unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES (read by the SDK's env detector, which wins) say otherwise.
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'ballast' })),
    spanProcessors: processors,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => isUntracedPath(req.url),
        disableOutgoingRequestInstrumentation: true,
        applyCustomAttributesOnSpan: (span, req, res) => decorateServerSpan(span, req as never, res as never),
      }),
    ],
  });
  sdk.start();
  return sdk;
}
