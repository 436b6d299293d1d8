import Redis from 'ioredis';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS } from '../../rate-limit/redis-client';

/**
 * The replay buffer's own connection, failing fast like the rate limiter's
 * (no offline queue, a tight command timeout) so a Redis outage costs a
 * stream milliseconds; RedisReplayStore logs and counts the failures.
 */
export function replayRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    disconnectTimeout: 200,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    connectionName: 'ballast-replay',
  });
  redis.on('error', () => undefined); // reported per failed command by the store
  return redis;
}
