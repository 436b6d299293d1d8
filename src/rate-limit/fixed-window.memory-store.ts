import type { ThrottlerStorage } from '@nestjs/throttler';

type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  hits: number;
  expiresAt: number;
  blockedUntil: number;
}

/** How often windows that ended are dropped, so idle clients cost no memory. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The throttler's counters in memory, one fixed window per key: O(1) per
 * request whatever the number of hits (the throttler's own memory store keeps
 * and filters one timestamp per hit). Same semantics, step for step, as the
 * Lua script of the Redis store (@nest-lab/throttler-storage-redis), so a
 * replica counts the same with or without REDIS_URL.
 */
export class FixedWindowMemoryStore implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<StorageRecord> {
    const now = this.now();
    const id = `${key}:${throttlerName}`;
    let window = this.windows.get(id);
    if (!window || (window.expiresAt <= now && window.blockedUntil <= now)) {
      window = { hits: 0, expiresAt: now + ttl, blockedUntil: 0 };
      this.windows.set(id, window);
    } else if (window.expiresAt <= now) {
      window.hits = 0;
      window.expiresAt = now + ttl;
    }
    window.hits++;
    let blocked = window.blockedUntil > now;
    if (!blocked && window.hits > limit) {
      window.blockedUntil = now + blockDuration;
      blocked = true;
    }
    return Promise.resolve({
      totalHits: window.hits,
      timeToExpire: Math.ceil((window.expiresAt - now) / 1000),
      isBlocked: blocked,
      timeToBlockExpire: blocked ? Math.ceil((window.blockedUntil - now) / 1000) : 0,
    });
  }

  get size(): number {
    return this.windows.size;
  }

  sweep(): void {
    const now = this.now();
    for (const [id, window] of this.windows) {
      if (window.expiresAt <= now && window.blockedUntil <= now) {
        this.windows.delete(id);
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.windows.clear();
  }
}
