import type Redis from 'ioredis';
import { failFastRedis } from '../../redis/fail-fast-redis';

/**
 * The replay buffer's own connection, failing fast like the rate limiter's
 * so a Redis outage costs a stream milliseconds; RedisReplayStore logs and
 * counts the failures.
 */
export function replayRedis(url: string): Redis {
  const redis = failFastRedis(url, 'ballast-replay');
  redis.on('error', () => undefined); // reported per failed command by the store
  return redis;
}
