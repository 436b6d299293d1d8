import { availableParallelism } from 'node:os';
import { z } from 'zod';

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .default('false')
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** Every environment setting Ballast reads, with its default. Nothing else reads process.env. */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  NODE_ENV: z.string().default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MODELS_FILE: optionalText,
  API_KEYS: optionalText,
  REDIS_URL: optionalText.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  RATE_LIMIT_RPM: int(600, 1),
  TRUST_PROXY: flag,
  MAX_UPLOAD_BYTES: int(10 * 1024 * 1024, 1),
  MAX_IMAGE_PIXELS: int(40_000_000, 1),
  IMAGE_MAX_SIDE: int(2048, 64),
  REQUEST_TIMEOUT_MS: int(120_000, 1),
  SHUTDOWN_GRACE_MS: int(15_000, 0),
  SSE_KEEPALIVE_MS: int(15_000, 10),
  OCR_WORKERS: int(Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2))), 1),
  OCR_QUEUE_SIZE: int(16, 0),
  MODEL_PROBE_INTERVAL_MS: int(30_000, 0),
  WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  PLAYGROUND: flag,
  STREAM_RESUME_GRACE_MS: int(10_000, 0),
  STREAM_REPLAY_TTL_MS: int(300_000, 1),
  STREAM_REPLAY_MAX_EVENTS: int(10_000, 1),
  STREAM_REPLAY_MAX_BYTES: int(2 * 1024 * 1024, 1024),
  STREAM_REPLAY_TOTAL_BYTES: int(64 * 1024 * 1024, 1024),
  // Per-request limits (issue 12), each checked before the work it would cost.
  JSON_MAX_DEPTH: int(32, 2),
  JSON_MAX_ITEMS: int(100_000, 16),
  CHAT_MAX_MESSAGES: int(2048, 1),
  CHAT_MAX_CONTENT_PARTS: int(4096, 1),
  CHAT_MAX_TEXT_CHARS: int(1_000_000, 1),
  CHAT_MAX_IMAGES: int(16, 0),
  CHAT_MAX_IMAGE_PIXELS_TOTAL: int(100_000_000, 1),
  IMAGE_DECODE_CONCURRENCY: int(2, 1),
  // Sockets: the caps that keep file descriptors for health probes.
  MAX_CONNECTIONS: int(4096, 16),
  HEADERS_TIMEOUT_MS: int(20_000, 1000),
  KEEP_ALIVE_TIMEOUT_MS: int(65_000, 1000),
  BODY_TIMEOUT_MS: int(120_000, 1000),
  // Abuse of the edge (issue 12 item 10).
  AUTH_FAILURES_PER_MINUTE: int(20, 1),
  RATE_LIMIT_KEY_SECRET: optionalText,
  DOCS: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default('true')
    .transform((value) => value === 'true' || value === '1' || value === 'yes'),
  // Tracing (README "Tracing"): what decides whether it is on; the OpenTelemetry SDK reads its other OTEL_* itself.
  OTEL_SDK_DISABLED: flag,
  OTEL_TRACES_EXPORTER: optionalText.pipe(
    z
      .string()
      .regex(/^\s*(otlp|console|none)\s*(,\s*(otlp|console|none)\s*)*$/, 'must be otlp, console or none (comma-separated)')
      .optional(),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalText,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalText,
  OTEL_EXPORTER_OTLP_PROTOCOL: optionalText.pipe(z.enum(['http/protobuf', 'http/json']).optional()),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: optionalText.pipe(z.enum(['http/protobuf', 'http/json']).optional()),
  OTEL_BSP_MAX_QUEUE_SIZE: int(2048, 1),
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: flag,
});

export type EnvConfig = z.output<typeof envSchema>;
