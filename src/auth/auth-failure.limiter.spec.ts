import type { AppConfig } from '../config';
import { AuthFailureLimiter } from './auth-failure.limiter';

describe('AuthFailureLimiter', () => {
  let now = 0;
  const sut = new AuthFailureLimiter({ authFailuresPerMinute: 2 } as AppConfig);
  sut.now = () => now;

  it('refuses an IP past the limit until its minute ends, and no other IP', () => {
    sut.recordFailure('10.0.0.1');
    expect(sut.retryAfterSeconds('10.0.0.1')).toBe(0);
    now += 15_000;
    sut.recordFailure('10.0.0.1');
    expect(sut.retryAfterSeconds('10.0.0.1')).toBe(45);
    expect(sut.retryAfterSeconds('10.0.0.2')).toBe(0);
    now += 45_000;
    expect(sut.retryAfterSeconds('10.0.0.1')).toBe(0);
    sut.recordFailure('10.0.0.1');
    expect(sut.retryAfterSeconds('10.0.0.1')).toBe(0);
  });

  it('watches no IP until one fails (the guard reads no client IP until then)', () => {
    const fresh = new AuthFailureLimiter({ authFailuresPerMinute: 2 } as AppConfig);
    expect(fresh.watching).toBe(false);
    fresh.recordFailure('10.0.0.3');
    expect(fresh.watching).toBe(true);
  });
});
