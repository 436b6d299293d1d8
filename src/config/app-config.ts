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
  /** Processes serving one port through node:cluster (1: no cluster). */
  workers: number;
  /** Resumable streams (contract section 4): grace after the reader leaves, replay TTL after the end, buffer caps. */
  streams: { graceMs: number; ttlMs: number; maxEvents: number; maxBytes: number; totalBytes: number };
  modelsFile?: string;
  models: ModelsConfig;
  limits: RequestLimits;
  server: ServerSettings;
  /** Failed authentications per client IP per minute before it is refused with 429. */
  authFailuresPerMinute: number;
  /** Keys the HMAC that names an API key in rate-limit counters; see ApiKeyVerifier. */
  rateLimitKeySecret?: string;
  docsEnabled: boolean;
}

/** What one request may carry; see the README's per-request memory budget. */
export interface RequestLimits {
  jsonMaxDepth: number;
  jsonMaxItems: number;
  chatMaxMessages: number;
  chatMaxContentParts: number;
  chatMaxTextChars: number;
  chatMaxImages: number;
  chatMaxImagePixelsTotal: number;
  imageDecodeConcurrency: number;
}

export interface ServerSettings {
  maxConnections: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  bodyTimeoutMs: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
