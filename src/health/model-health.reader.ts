import { ROOT_LOGGER } from '@ballast/observability';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Logger } from 'pino';
import { MODEL_HEALTH_SOURCE, ModelHealth, ModelHealthSource } from './model-health.port';

/** The wire shape of one route entry on `/health/models`. */
export interface RouteEntryHealthView {
  provider: string;
  model: string;
  breaker: string;
  success_rate: number | null;
  latency_ewma_ms?: number;
  last_error_code?: string;
  last_probe?: { at: string; ok: boolean };
}

export interface ModelHealthView {
  name: string;
  status: string;
  entries: RouteEntryHealthView[];
}

/** Reads the optional MODEL_HEALTH_SOURCE; a missing or failing source reads as "no models", never as an error. */
@Injectable()
export class ModelHealthReader implements OnModuleInit {
  private source?: ModelHealthSource;

  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    try {
      this.source = this.moduleRef.get<ModelHealthSource>(MODEL_HEALTH_SOURCE, { strict: false });
    } catch {
      this.source = undefined;
    }
  }

  async models(): Promise<ModelHealth[] | undefined> {
    if (!this.source) {
      return [];
    }
    try {
      return await this.source.models();
    } catch (error) {
      this.logger.warn({ err: error }, 'model health source failed');
      return undefined;
    }
  }

  async view(): Promise<ModelHealthView[]> {
    return ((await this.models()) ?? []).map((model) => ({
      name: model.name,
      status: model.status,
      entries: model.entries.map((entry) => ({
        provider: entry.provider,
        model: entry.model,
        breaker: entry.breaker,
        success_rate: entry.successRate,
        latency_ewma_ms: entry.latencyEwmaMs,
        last_error_code: entry.lastErrorCode,
        last_probe: entry.lastProbe,
      })),
    }));
  }
}
