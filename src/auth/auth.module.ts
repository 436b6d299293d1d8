import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyVerifier } from './api-key.verifier';
import { AuthFailureLimiter } from './auth-failure.limiter';

/**
 * API keys for /v1 routes. Import before RateLimitModule: global guards run
 * in registration order, and the rate limiter counts per authenticated key.
 */
@Module({
  providers: [ApiKeyVerifier, AuthFailureLimiter, { provide: APP_GUARD, useClass: ApiKeyGuard }],
})
export class AuthModule {}
