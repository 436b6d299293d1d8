import { ModelsConfig } from '@ballast/models';

/** The one typed configuration, read and validated once at boot. */
export interface AppConfig {
  port: number;
  host: string;
  isDevelopment: boolean;
  logLevel: string;
  apiKeys: string[];
  redisUrl?: string;
  rateLimitRpm: number;
  trustProxy: boolean;
  maxUploadBytes: number;
  maxImagePixels: number;
  imageMaxSide: number;
  requestTimeoutMs: number;
  shutdownGraceMs: number;
  sseKeepAliveMs: number;
  ocrWorkers: number;
  ocrQueueSize: number;
  modelProbeIntervalMs: number;
  /** Serve /playground: always in development, in production only with PLAYGROUND=true. */
  playground: boolean;
  /** Resumable streams (contract section 4): grace after the reader leaves, replay TTL after the end, buffer caps. */
  streams: { graceMs: number; ttlMs: number; maxEvents: number; maxBytes: number; totalBytes: number };
  modelsFile?: string;
  models: ModelsConfig;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
