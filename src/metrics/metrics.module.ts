import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsSource } from './metrics.source';

/** `GET /metrics`; the series themselves live in BallastMetrics (@ballast/observability). */
@Module({ controllers: [MetricsController], providers: [MetricsSource] })
export class MetricsModule {}
