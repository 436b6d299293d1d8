import { Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { KnownRoutes } from './known-routes';
import { ProblemFilter } from './problem.filter';
import { ProblemsController } from './problems.controller';

@Module({
  imports: [DiscoveryModule],
  controllers: [ProblemsController],
  providers: [KnownRoutes, { provide: APP_FILTER, useClass: ProblemFilter }],
})
export class ProblemsModule {}
