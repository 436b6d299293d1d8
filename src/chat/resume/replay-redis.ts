import type Redis from 'ioredis';
import { failFastRedis } from '../../redis/fail-fast-redis';

/**
 * How long a replay-buffer command waits for Redis's reply. Not the rate
 * limiter's 50 ms: that one is asked on every request, this one a few times
 * per resume, and a resume is the answer a client came back for. At 50 ms a
 * pause of this process (a GC, a busy core) outlasted the timer, the read
 * failed, and a stream that was in Redis was answered STREAM_NOT_FOUND. A
 * Redis that is down still costs nothing (no offline queue); a hung one costs
 * a resumable stream's start, and each read of a resume, up to this long
 * before the replica falls back to its memory.
 */
export const REPLAY_COMMAND_TIMEOUT_MS = 1000;

/**
 * The replay buffer's own connection, failing fast like the rate limiter's
 * when Redis is down; RedisReplayStore logs and counts the failures.
 */
export function replayRedis(url: string): Redis {
  const redis = failFastRedis(url, 'ballast-replay', REPLAY_COMMAND_TIMEOUT_MS);
  redis.on('error', () => undefined); // reported per failed command by the store
  return redis;
}
