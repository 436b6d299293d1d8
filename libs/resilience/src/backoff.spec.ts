import { fullJitterDelayMs, retryDelayMs } from './backoff';

const ALMOST_ONE = 1 - Number.EPSILON;
const settings = { backoffBaseMs: 200, backoffMaxMs: 5000 };

describe('fullJitterDelayMs', () => {
  it.each([0, 1, 2, 5, 40])('is 0 when random() is 0 (attempt %i)', (attempt) => {
    const sut = fullJitterDelayMs;
    expect(sut(attempt, 200, 5000, () => 0)).toBe(0);
  });

  it.each([
    [0, 200],
    [1, 400],
    [2, 800],
    [4, 3200],
    [5, 5000], // 6400 capped at max
    [40, 5000],
    [2000, 5000], // 2^2000 overflows to Infinity, still capped
  ])('reaches just under min(max, base * 2^n) when random() is ~1 (attempt %i → %i)', (attempt, ceiling) => {
    const sut = fullJitterDelayMs;
    const delay = sut(attempt, 200, 5000, () => ALMOST_ONE);
    expect(delay).toBeLessThan(ceiling);
    expect(delay).toBeGreaterThanOrEqual(ceiling - 1);
  });

  it('is a whole number of milliseconds within [0, ceiling) for any random()', () => {
    const sut = fullJitterDelayMs;
    for (const r of [0, 0.1, 0.25, 0.5, 0.75, 0.999]) {
      const delay = sut(3, 200, 5000, () => r);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(1600);
      expect(delay).toBe(Math.floor(r * 1600));
    }
  });

  it('uses Math.random by default and stays within bounds', () => {
    const sut = fullJitterDelayMs;
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      expect(sut(1, 200, 5000)).toBe(200);
      expect(random).toHaveBeenCalledTimes(1);
    } finally {
      random.mockRestore();
    }
  });
});

describe('retryDelayMs', () => {
  it('is the jittered backoff when the upstream gave no Retry-After', () => {
    const sut = retryDelayMs;
    expect(sut(0, settings, undefined, () => 0.5)).toBe(100);
    expect(sut(2, settings, undefined, () => 0)).toBe(0);
  });

  it('lets Retry-After win when it is longer than the jitter', () => {
    const sut = retryDelayMs;
    expect(sut(0, settings, 1, () => ALMOST_ONE)).toBe(1000);
    expect(sut(0, settings, 1, () => 0)).toBe(1000);
    expect(sut(0, settings, 2.5, () => 0)).toBe(2500);
  });

  it('rounds a fractional Retry-After up to the next millisecond, never shorter', () => {
    const sut = retryDelayMs;
    expect(sut(0, settings, 0.0015, () => 0)).toBe(2);
  });

  it('keeps the jitter when it is longer than Retry-After', () => {
    const sut = retryDelayMs;
    expect(sut(5, settings, 1, () => 0.5)).toBe(2500);
  });

  it('treats Retry-After: 0 as "no extra wait"', () => {
    const sut = retryDelayMs;
    expect(sut(1, settings, 0, () => 0.5)).toBe(200);
  });
});
