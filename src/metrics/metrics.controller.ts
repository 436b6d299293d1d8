import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { MetricsSource } from './metrics.source';
import { OpenWhileDraining, PublicRoute } from '../auth';

/** Prometheus scrape target: every Ballast series plus the default process metrics (of every worker, with WORKERS > 1). */
@ApiTags('operations')
@PublicRoute()
@OpenWhileDraining()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly source: MetricsSource) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format 0.0.4)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format', schema: { type: 'string', example: 'ballast_rate_limited_total 0' } })
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.source.text();
  }
}
