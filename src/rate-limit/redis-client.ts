import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { failFastRedis } from '../redis/fail-fast-redis';

/** The rate limiter's fail-fast Redis client, logging when Redis is lost and back (transitions only). */
export function createRedisClient(url: string, logger: Logger): Redis {
  const redis = failFastRedis(url, 'ballast');
  // Log transitions, not every reconnect attempt; never the URL (it may hold a password).
  let reachable: boolean | undefined;
  const lost = (error?: Error) => {
    if (reachable !== false) {
      logger.warn(
        { err: error && { name: error.name, message: error.message } },
        'redis unreachable; rate limits fail open until it is back',
      );
    }
    reachable = false;
  };
  redis.on('ready', () => {
    reachable = true;
    logger.info('redis connected');
  });
  redis.on('error', lost);
  redis.on('close', () => {
    if (redis.status !== 'end') {
      lost();
    }
  });
  return redis;
}
