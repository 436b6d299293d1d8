import { Reflector } from '@nestjs/core';
import type { ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import { BallastMetrics } from '@ballast/observability';
import { RateLimitGuard } from './rate-limit.guard';

const storage: ThrottlerStorage = {
  increment: () => Promise.resolve({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 }),
};

function guardWith(options: ThrottlerModuleOptions): RateLimitGuard {
  return new RateLimitGuard(options, storage, new Reflector(), {} as BallastMetrics);
}

describe('RateLimitGuard at start-up', () => {
  it('accepts throttlers of plain numbers', async () => {
    await expect(guardWith({ throttlers: [{ name: 'api', ttl: 60_000, limit: 600 }] }).onModuleInit()).resolves.toBeUndefined();
  });

  it('refuses a limit or ttl resolved per request, which canActivate would not apply', async () => {
    await expect(guardWith({ throttlers: [{ name: 'api', ttl: () => 60_000, limit: 600 }] }).onModuleInit()).rejects.toThrow(
      /needs a numeric limit, ttl and blockDuration/,
    );
  });

  it('refuses skipIf and ignoreUserAgents, which canActivate would not apply', async () => {
    await expect(
      guardWith({ throttlers: [{ name: 'api', ttl: 60_000, limit: 600, ignoreUserAgents: [/bot/] }] }).onModuleInit(),
    ).rejects.toThrow(/skipIf or ignoreUserAgents/);
  });
});
