import { BallastError } from '@ballast/errors';
import { BreakerStateName, CircuitBreaker } from './circuit-breaker';
import { BreakerSettings } from './resilience-settings';

const SETTINGS: BreakerSettings = { failureRate: 0.5, minCalls: 10, windowMs: 30_000, cooldownMs: 15_000 };

const upstreamDown = () => Promise.reject(new BallastError('UPSTREAM_UNAVAILABLE'));
const upstreamOk = () => Promise.resolve('ok');

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('CircuitBreaker', () => {
  let sut: CircuitBreaker;
  let states: BreakerStateName[];

  const fail = async (times = 1) => {
    for (let i = 0; i < times; i++) {
      await sut.execute(upstreamDown).catch(() => undefined);
    }
  };
  const succeed = async (times = 1) => {
    for (let i = 0; i < times; i++) {
      await sut.execute(upstreamOk);
    }
  };
  const open = async () => {
    await fail(SETTINGS.minCalls);
    expect(sut.stateName).toBe('open');
  };

  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(new Date('2026-01-01T00:00:00.000Z'));
    states = [];
    sut = new CircuitBreaker(SETTINGS, (state) => states.push(state));
  });
  afterEach(() => jest.useRealTimers());

  describe('closed', () => {
    it('passes calls through and returns their value', async () => {
      await expect(sut.execute(upstreamOk)).resolves.toBe('ok');
      expect(sut.stateName).toBe('closed');
      expect(sut.admitsCalls).toBe(true);
      expect(sut.msUntilHalfOpen()).toBe(0);
    });

    it("rethrows the call's own error while closed", async () => {
      const error = new BallastError('UPSTREAM_UNAVAILABLE');
      await expect(sut.execute(() => Promise.reject(error))).rejects.toBe(error);
    });

    it('stays closed below minCalls, even when every call fails', async () => {
      await fail(SETTINGS.minCalls - 1);

      expect(sut.stateName).toBe('closed');
      expect(sut.admitsCalls).toBe(true);
      expect(states).toEqual([]);
    });

    it('opens when failures reach the rate over minCalls', async () => {
      await fail(SETTINGS.minCalls);

      expect(sut.stateName).toBe('open');
      expect(sut.admitsCalls).toBe(false);
      expect(states).toEqual(['open']);
    });

    it('opens at exactly the failure rate (≥, not >)', async () => {
      await succeed(5);
      await fail(5);

      expect(sut.stateName).toBe('open');
    });

    it('stays closed just under the failure rate', async () => {
      await succeed(6);
      await fail(4);
      expect(sut.stateName).toBe('closed');

      await fail(1); // 5 of 11
      expect(sut.stateName).toBe('closed');
    });

    it.each([
      [{ failureRate: 0.3, minCalls: 10, windowMs: 10_000 }, 7, 3],
      [{ failureRate: 0.5, minCalls: 9, windowMs: 3_500 }, 0, 9],
      [{ failureRate: 0.5, minCalls: 7, windowMs: 1_500 }, 0, 7],
      [{ failureRate: 0.5, minCalls: 6, windowMs: 5_500 }, 0, 6],
      [{ failureRate: 0.5, minCalls: 1, windowMs: 30_000 }, 0, 1],
    ])('opens at exactly minCalls and the rate for %j (%i successes, %i failures)', async (overrides, successes, failures) => {
      sut = new CircuitBreaker({ ...SETTINGS, ...overrides });
      await succeed(successes);
      await fail(failures - 1);
      expect(sut.stateName).toBe('closed');

      await fail(1);

      expect(sut.stateName).toBe('open');
    });

    it('counts only calls inside the sliding window', async () => {
      await fail(SETTINGS.minCalls - 1);

      await jest.advanceTimersByTimeAsync(SETTINGS.windowMs + 1_000);
      await fail(1);

      expect(sut.stateName).toBe('closed');
    });

    it('still counts calls from earlier in the window', async () => {
      await fail(SETTINGS.minCalls - 1);

      await jest.advanceTimersByTimeAsync(SETTINGS.windowMs - 2_000);
      await fail(1);

      expect(sut.stateName).toBe('open');
    });

    it('forgets old successes too: a burst of failures after a quiet spell needs minCalls of its own', async () => {
      await succeed(5);
      await jest.advanceTimersByTimeAsync(5 * 60_000);

      await fail(5);

      expect(sut.stateName).toBe('closed');
    });

    it('opens on failures spread over the window', async () => {
      for (let i = 0; i < SETTINGS.minCalls; i++) {
        await fail(1);
        await jest.advanceTimersByTimeAsync(2_000);
      }

      expect(sut.stateName).toBe('open');
    });

    it('does not count client errors (VALIDATION_FAILED) as failures, and rethrows them', async () => {
      const clientError = new BallastError('VALIDATION_FAILED');
      for (let i = 0; i < 3 * SETTINGS.minCalls; i++) {
        await expect(sut.execute(() => Promise.reject(clientError))).rejects.toBe(clientError);
      }

      expect(sut.stateName).toBe('closed');
      expect(states).toEqual([]);
    });

    it('does not count errors that are not BallastErrors', async () => {
      for (let i = 0; i < 2 * SETTINGS.minCalls; i++) {
        await sut.execute(() => Promise.reject(new TypeError('bug'))).catch(() => undefined);
      }

      expect(sut.stateName).toBe('closed');
    });
  });

  describe('open', () => {
    it('refuses calls with CIRCUIT_OPEN without calling fn', async () => {
      await open();
      const fn = jest.fn(upstreamOk);

      await expect(sut.execute(fn)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
      expect(fn).not.toHaveBeenCalled();
    });

    it('says how long until the next probe, in msUntilHalfOpen and retryAfterSeconds', async () => {
      await open();
      expect(sut.msUntilHalfOpen()).toBe(15_000);

      await jest.advanceTimersByTimeAsync(4_000);

      expect(sut.msUntilHalfOpen()).toBe(11_000);
      const refused = await sut.execute(upstreamOk).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(BallastError);
      expect((refused as BallastError).retryAfterSeconds).toBe(11);

      await jest.advanceTimersByTimeAsync(10_500);
      await expect(sut.execute(upstreamOk)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterSeconds: 1 });
    });

    it('does not admit calls until the cool-down has fully passed', async () => {
      await open();

      await jest.advanceTimersByTimeAsync(SETTINGS.cooldownMs - 1);
      expect(sut.admitsCalls).toBe(false);

      await jest.advanceTimersByTimeAsync(1);
      expect(sut.admitsCalls).toBe(true);
      expect(sut.msUntilHalfOpen()).toBe(0);
    });
  });

  describe('half-open', () => {
    it('lets exactly one probe through and refuses a concurrent call at once', async () => {
      await open();
      await jest.advanceTimersByTimeAsync(SETTINGS.cooldownMs);
      const probe = deferred<string>();
      const probeFn = jest.fn(() => probe.promise);
      const secondFn = jest.fn(upstreamOk);

      const probing = sut.execute(probeFn);
      expect(sut.stateName).toBe('half-open');
      expect(sut.admitsCalls).toBe(false);
      const second = sut.execute(secondFn).catch((error: unknown) => error);

      // Refused without waiting for the probe, which is still running.
      await expect(second).resolves.toMatchObject({ code: 'CIRCUIT_OPEN' });
      expect(secondFn).not.toHaveBeenCalled();
      expect(probeFn).toHaveBeenCalledTimes(1);

      probe.resolve('probed');
      await expect(probing).resolves.toBe('probed');
    });

    it('closes after a successful probe', async () => {
      await open();
      await jest.advanceTimersByTimeAsync(SETTINGS.cooldownMs);

      await expect(sut.execute(upstreamOk)).resolves.toBe('ok');

      expect(sut.stateName).toBe('closed');
      expect(sut.admitsCalls).toBe(true);
      expect(states).toEqual(['open', 'half-open', 'closed']);
      await expect(sut.execute(upstreamOk)).resolves.toBe('ok');
    });

    it('starts afresh after closing: the failures from before do not count', async () => {
      await open();
      await jest.advanceTimersByTimeAsync(SETTINGS.cooldownMs);
      await succeed(1);

      await fail(SETTINGS.minCalls - 2); // 9 calls since the probe: below minCalls

      expect(sut.stateName).toBe('closed');
    });

    it('re-opens after a failed probe, with a fresh cool-down', async () => {
      await open();
      await jest.advanceTimersByTimeAsync(SETTINGS.cooldownMs);

      await expect(sut.execute(upstreamDown)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });

      expect(sut.stateName).toBe('open');
      expect(sut.admitsCalls).toBe(false);
      expect(sut.msUntilHalfOpen()).toBe(SETTINGS.cooldownMs);
      expect(states).toEqual(['open', 'half-open', 'open']);
      await expect(sut.execute(upstreamOk)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterSeconds: 15 });
    });

    it('probes again after the second cool-down, and closes on success', async () => {
      await open();
      await jest.advanceTimersByTimeAsync(SETTINGS.cooldownMs);
      await fail(1);
      await jest.advanceTimersByTimeAsync(SETTINGS.cooldownMs);

      await succeed(1);

      expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    });
  });
});
