import { Controller, Get, UseFilters } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { OpenWhileDraining, PublicRoute } from '../auth';
import { HealthCheckFilter } from './health-check.filter';
import { LivenessIndicator } from './liveness.indicator';
import { ModelHealthReader, ModelHealthView } from './model-health.reader';
import { ReadinessIndicators } from './readiness.indicators';
import { ModelsHealthDto } from './models-health.dto';

@ApiTags('health')
@PublicRoute()
@OpenWhileDraining()
@UseFilters(HealthCheckFilter)
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly liveness: LivenessIndicator,
    private readonly readiness: ReadinessIndicators,
    private readonly modelHealth: ModelHealthReader,
  ) {}

  /** The process can serve. Never depends on an upstream. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: event loop not stalled, heap not exhausted' })
  @HealthCheck()
  live() {
    return this.health.check([() => this.liveness.eventLoop(), () => this.liveness.heap()]);
  }

  /** This replica should get traffic. Model health is reported, never decisive. */
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: start-up done, not shutting down',
    description:
      '`details.models` reports each public model (up / degraded / down) and `details.redis.state` Redis (up / down), as information; neither ever fails this probe.',
  })
  @HealthCheck()
  ready() {
    return this.health.check([() => this.readiness.startup(), ...this.readiness.facts(), () => this.readiness.models()]);
  }

  @Get('startup')
  @ApiOperation({ summary: 'Start-up finished: models file loaded, embedded OCR warmed' })
  @HealthCheck()
  startup() {
    return this.health.check([() => this.readiness.startup()]);
  }

  @Get('models')
  @ApiOperation({ summary: 'Per public model and route entry: breaker state, recent success rate, last error code, last probe' })
  @ApiOkResponse({ type: ModelsHealthDto })
  async models(): Promise<{ models: ModelHealthView[] }> {
    return { models: await this.modelHealth.view() };
  }
}
