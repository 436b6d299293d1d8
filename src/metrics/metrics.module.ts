import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';

/** `GET /metrics`; the series themselves live in BallastMetrics (@ballast/observability). */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
