import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ProblemFilter } from './problem.filter';
import { ProblemsController } from './problems.controller';

@Module({
  controllers: [ProblemsController],
  providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
})
export class ProblemsModule {}
