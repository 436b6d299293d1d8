import { Environment, ModelsFileError, loadModelsFile } from '@ballast/models';
import { AppConfig } from './app-config';
import { envSchema } from './env.schema';

/** Thrown with one line per bad setting, each naming it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Environment = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  let models: AppConfig['models'] | undefined;
  try {
    models = loadModelsFile(parsed.success ? parsed.data.MODELS_FILE : env.MODELS_FILE, env);
  } catch (error) {
    if (!(error instanceof ModelsFileError)) {
      throw error;
    }
    problems.push(...error.problems);
  }
  if (!parsed.success || !models || problems.length > 0) {
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    isDevelopment: e.NODE_ENV === 'development',
    logLevel: e.LOG_LEVEL,
    apiKeys: (e.API_KEYS ?? '')
      .split(',')
      .map((key) => key.trim())
      .filter(Boolean),
    redisUrl: e.REDIS_URL,
    rateLimitRpm: e.RATE_LIMIT_RPM,
    trustProxy: e.TRUST_PROXY,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxImagePixels: e.MAX_IMAGE_PIXELS,
    imageMaxSide: e.IMAGE_MAX_SIDE,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    sseKeepAliveMs: e.SSE_KEEPALIVE_MS,
    ocrWorkers: e.OCR_WORKERS,
    ocrQueueSize: e.OCR_QUEUE_SIZE,
    modelProbeIntervalMs: e.MODEL_PROBE_INTERVAL_MS,
    workers: e.WORKERS,
    streams: {
      graceMs: e.STREAM_RESUME_GRACE_MS,
      ttlMs: e.STREAM_REPLAY_TTL_MS,
      maxEvents: e.STREAM_REPLAY_MAX_EVENTS,
      maxBytes: e.STREAM_REPLAY_MAX_BYTES,
      totalBytes: e.STREAM_REPLAY_TOTAL_BYTES,
    },
    modelsFile: e.MODELS_FILE,
    models,
    limits: {
      jsonMaxDepth: e.JSON_MAX_DEPTH,
      jsonMaxItems: e.JSON_MAX_ITEMS,
      chatMaxMessages: e.CHAT_MAX_MESSAGES,
      chatMaxContentParts: e.CHAT_MAX_CONTENT_PARTS,
      chatMaxTextChars: e.CHAT_MAX_TEXT_CHARS,
      chatMaxImages: e.CHAT_MAX_IMAGES,
      chatMaxImagePixelsTotal: e.CHAT_MAX_IMAGE_PIXELS_TOTAL,
      imageDecodeConcurrency: e.IMAGE_DECODE_CONCURRENCY,
    },
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    rateLimitKeySecret: e.RATE_LIMIT_KEY_SECRET,
    docsEnabled: e.DOCS,
    server: {
      maxConnections: e.MAX_CONNECTIONS,
      headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
      bodyTimeoutMs: e.BODY_TIMEOUT_MS,
    },
  };
}
