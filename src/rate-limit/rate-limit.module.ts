import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitStore } from './rate-limit.store';

export const RATE_LIMIT_WINDOW_MS = 60_000;

@Module({ providers: [RateLimitStore], exports: [RateLimitStore] })
class RateLimitStoreModule {}

/** Per-client request budgets on every route not declared `@PublicRoute()`; see RateLimitGuard. Import after AuthModule. */
@Module({
  imports: [
    RateLimitStoreModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStoreModule],
      inject: [APP_CONFIG, RateLimitStore],
      useFactory: (config: AppConfig, storage: RateLimitStore) => ({
        throttlers: [{ name: 'api', ttl: RATE_LIMIT_WINDOW_MS, limit: config.rateLimitRpm }],
        storage,
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule {}
