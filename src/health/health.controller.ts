import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { LivenessIndicator } from './liveness.indicator';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly liveness: LivenessIndicator,
  ) {}

  /** The process can serve. Never depends on an upstream. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.liveness.eventLoop(), () => this.liveness.heap()]);
  }
}
