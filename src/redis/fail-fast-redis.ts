import Redis from 'ioredis';

/** Connecting may take this long; a command on a healthy Redis takes well under a millisecond, so COMMAND_TIMEOUT_MS means a hung server. */
export const CONNECT_TIMEOUT_MS = 1000;
export const COMMAND_TIMEOUT_MS = 50;

/**
 * An ioredis client that fails fast instead of queueing: with Redis down, a
 * command rejects at once (no offline queue) or within COMMAND_TIMEOUT_MS,
 * so callers (the rate limiter, the replay buffer) can fail open without
 * making clients wait. It keeps reconnecting in the background. Callers add
 * their own 'error' handling.
 */
export function failFastRedis(url: string, connectionName: string, commandTimeoutMs = COMMAND_TIMEOUT_MS): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: commandTimeoutMs,
    // On shutdown, how long a half-closed socket may linger before it is destroyed.
    disconnectTimeout: 200,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    connectionName,
  });
}
