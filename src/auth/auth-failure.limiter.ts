import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';

const WINDOW_MS = 60_000;
/** Past this many client IPs tracked, ended windows are dropped before a new one is added. */
const SWEEP_ABOVE = 10_000;

interface Window {
  failures: number;
  endsAt: number;
}

/**
 * Failed authentications per client IP, in fixed one-minute windows: past
 * AUTH_FAILURES_PER_MINUTE, every request from that IP is refused until the
 * window ends, so keys cannot be guessed at request rate. Per replica, in
 * memory: guessing is slowed by the replica count at worst, and a Redis
 * outage cannot open it up.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly limit: number;
  /** The clock; tests set it. */
  now: () => number = Date.now;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limit = config.authFailuresPerMinute;
  }

  /** Whether any IP has failed lately: when none has, none need be looked up. */
  get watching(): boolean {
    return this.windows.size > 0;
  }

  /** Seconds until this IP may try again, or 0 when it may now. */
  retryAfterSeconds(ip: string): number {
    const window = this.windows.get(ip);
    const now = this.now();
    return window && window.endsAt > now && window.failures >= this.limit ? Math.ceil((window.endsAt - now) / 1000) : 0;
  }

  recordFailure(ip: string): void {
    const now = this.now();
    let window = this.windows.get(ip);
    if (!window || window.endsAt <= now) {
      if (this.windows.size >= SWEEP_ABOVE) {
        this.sweep(now);
      }
      window = { failures: 0, endsAt: now + WINDOW_MS };
      this.windows.set(ip, window);
    }
    window.failures++;
  }

  private sweep(now: number): void {
    for (const [ip, window] of this.windows) {
      if (window.endsAt <= now) {
        this.windows.delete(ip);
      }
    }
  }
}
