import { TRACING_OFF } from '@ballast/observability';
import type { TracingSettings } from '@ballast/observability';
import { envSchema } from './env.schema';
import type { EnvConfig } from './env.schema';

const TRACING_NAMES = {
  OTEL_SDK_DISABLED: true,
  OTEL_TRACES_EXPORTER: true,
  OTEL_EXPORTER_OTLP_ENDPOINT: true,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: true,
  OTEL_EXPORTER_OTLP_PROTOCOL: true,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: true,
  OTEL_BSP_MAX_QUEUE_SIZE: true,
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: true,
  WORKERS: true,
} as const;

/** Which exporters the variables ask for: named ones, or OTLP when only an endpoint is set. Off otherwise. */
function exportersOf(e: Pick<EnvConfig, keyof typeof TRACING_NAMES>): TracingSettings['exporters'] {
  if (e.OTEL_SDK_DISABLED) {
    return [];
  }
  if (e.OTEL_TRACES_EXPORTER) {
    const named = e.OTEL_TRACES_EXPORTER.split(',').map((name) => name.trim());
    return named.includes('none') ? [] : [...new Set(named as Array<'otlp' | 'console'>)];
  }
  return e.OTEL_EXPORTER_OTLP_ENDPOINT || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? ['otlp'] : [];
}

/**
 * The one answer to "is tracing on?", from the same schema as every other
 * setting. Read before the rest of the configuration because the SDK must
 * start before Nest loads; a bad value here leaves tracing off, and
 * loadConfig then refuses to start with the setting named.
 */
export function tracingSettings(env: Record<string, string | undefined>, where: { clusterPrimary?: boolean } = {}): TracingSettings {
  const parsed = envSchema.pick(TRACING_NAMES).safeParse(env);
  // With WORKERS > 1 the primary only forks and serves /metrics from its workers: each worker traces its own requests.
  if (!parsed.success || (where.clusterPrimary && parsed.data.WORKERS > 1)) {
    return TRACING_OFF;
  }
  const e = parsed.data;
  const exporters = exportersOf(e);
  return {
    enabled: exporters.length > 0,
    exporters,
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    maxQueueSize: e.OTEL_BSP_MAX_QUEUE_SIZE,
    captureContent: e.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
  };
}
