import Redis from 'ioredis';
import type { Logger } from 'pino';

/**
 * An ioredis client that fails fast instead of queueing: with Redis down, a
 * command rejects at once (no offline queue) or within COMMAND_TIMEOUT_MS
 * (a hung server; a rate-limit INCR on a healthy Redis takes well under a
 * millisecond), so callers can fail open without making clients wait.
 * It keeps reconnecting in the background.
 */
export const CONNECT_TIMEOUT_MS = 1000;
export const COMMAND_TIMEOUT_MS = 50;

export function createRedisClient(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // On shutdown, how long a half-closed socket may linger before it is destroyed.
    disconnectTimeout: 200,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    connectionName: 'ballast',
  });
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
