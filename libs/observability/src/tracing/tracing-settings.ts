/** What Ballast itself decides about tracing; the OpenTelemetry SDK reads its other OTEL_* variables on its own. */
export interface TracingSettings {
  /** False: no SDK is loaded or started, spans are never made. */
  enabled: boolean;
  exporters: Array<'otlp' | 'console'>;
  protocol: 'http/protobuf' | 'http/json';
  /** Spans waiting for export at most; past it new spans are dropped and counted. */
  maxQueueSize: number;
  /** Prompt and completion text in attempt spans (image bytes never). Off by default. */
  captureContent: boolean;
}

export const TRACING_OFF: TracingSettings = {
  enabled: false,
  exporters: [],
  protocol: 'http/protobuf',
  maxQueueSize: 2048,
  captureContent: false,
};
