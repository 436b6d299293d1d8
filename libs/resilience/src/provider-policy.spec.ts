import { BallastError } from '@ballast/errors';
import { BreakerStateName } from './circuit-breaker';
import { AttemptsExhaustedError, ExecuteOptions, PolicyEvents, ProviderLimits, ProviderPolicy } from './provider-policy';
import { DEFAULT_RESILIENCE, ResilienceSettings } from './resilience-settings';

const LIMITS: ProviderLimits = { timeoutMs: 30_000, maxConcurrency: 2, maxQueue: 1 };
/** A breaker that stays out of the way unless a test wants it. */
const QUIET_BREAKER = { ...DEFAULT_RESILIENCE.breaker, minCalls: 1_000_000 };

const unavailable = () => new BallastError('UPSTREAM_UNAVAILABLE');

function settingsWith(overrides: Partial<ResilienceSettings> = {}): ResilienceSettings {
  return { ...DEFAULT_RESILIENCE, breaker: QUIET_BREAKER, ...overrides };
}

/** Rejects with each error in turn, then resolves with `value`. */
function failingThen<T>(errors: unknown[], value: T) {
  let call = 0;
  return jest.fn((_signal: AbortSignal) => {
    const error = errors[call++];
    return error === undefined ? Promise.resolve(value) : Promise.reject(error);
  });
}

function alwaysFailing(error: () => unknown = unavailable) {
  return jest.fn((_signal: AbortSignal) => Promise.reject(error()));
}

/** Settles a promise's outcome into a value, so a test can await it after advancing time. */
function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

function expectExhausted(error: unknown, code: string, attempts: number): AttemptsExhaustedError {
  expect(error).toBeInstanceOf(AttemptsExhaustedError);
  const exhausted = error as AttemptsExhaustedError;
  expect(exhausted.attempts).toBe(attempts);
  expect(exhausted.error).toBeInstanceOf(BallastError);
  expect((exhausted.error as BallastError).code).toBe(code);
  expect(exhausted.cause).toBe(exhausted.error);
  return exhausted;
}

describe('ProviderPolicy', () => {
  let controller: AbortController;
  let random: jest.SpyInstance;

  const options = (overrides: Partial<ExecuteOptions> = {}): ExecuteOptions => ({
    signal: controller.signal,
    deadlineAt: Date.now() + 120_000,
    ...overrides,
  });
  const policy = (settings = settingsWith(), events: PolicyEvents = {}, limits = LIMITS) =>
    new ProviderPolicy('primary', settings, limits, events);

  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(new Date('2026-01-01T00:00:00.000Z'));
    controller = new AbortController();
    // Jitter at its lowest unless a test says otherwise: no backoff wait.
    random = jest.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterEach(() => {
    random.mockRestore();
    jest.useRealTimers();
  });

  describe('retries', () => {
    it('retries transient failures: 503 twice then success takes 3 attempts', async () => {
      const sut = policy();
      const fn = failingThen([unavailable(), unavailable()], 'answer');
      const onAttempt = jest.fn();

      const outcome = settle(sut.execute(fn, options({ onAttempt })));
      await jest.advanceTimersByTimeAsync(1_000);

      await expect(outcome).resolves.toEqual({ value: { value: 'answer', attempts: 3 } });
      expect(fn).toHaveBeenCalledTimes(3);
      expect(onAttempt.mock.calls).toEqual([[1], [2], [3]]);
    });

    it.each(['UPSTREAM_BAD_RESPONSE', 'MODEL_TIMEOUT', 'MODEL_OVERLOADED'] as const)('retries %s', async (code) => {
      const sut = policy();
      const fn = failingThen([new BallastError(code)], 'answer');

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(1_000);

      await expect(outcome).resolves.toEqual({ value: { value: 'answer', attempts: 2 } });
    });

    it('makes exactly one attempt for a client error, and never retries it', async () => {
      const onRetry = jest.fn();
      const sut = policy(settingsWith(), { onRetry });
      const fn = alwaysFailing(() => new BallastError('VALIDATION_FAILED'));

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(60_000);

      expectExhausted((await outcome).error, 'VALIDATION_FAILED', 1);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(onRetry).not.toHaveBeenCalled();
    });

    it('does not retry an error that is not a BallastError', async () => {
      const sut = policy();
      const bug = new TypeError('cannot read properties of undefined');
      const fn = alwaysFailing(() => bug);

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(60_000);

      const { error } = await outcome;
      expect(error).toBeInstanceOf(AttemptsExhaustedError);
      expect((error as AttemptsExhaustedError).error).toBe(bug);
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it('never makes more than retries + 1 attempts', async () => {
      const sut = policy(settingsWith({ retries: 2 }));
      const fn = alwaysFailing();

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(60_000);

      expectExhausted((await outcome).error, 'UPSTREAM_UNAVAILABLE', 3);
      expect(fn).toHaveBeenCalledTimes(3);
    });

    it('makes a single attempt when retries is 0', async () => {
      const sut = policy(settingsWith({ retries: 0 }));
      const fn = alwaysFailing();

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(60_000);

      expectExhausted((await outcome).error, 'UPSTREAM_UNAVAILABLE', 1);
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it('reports each retry to onRetry with the attempt that failed, its error and the wait', async () => {
      random.mockReturnValue(0.5);
      const onRetry = jest.fn();
      const sut = policy(settingsWith(), { onRetry });
      const first = unavailable();
      const second = new BallastError('MODEL_TIMEOUT');
      const fn = failingThen([first, second], 'answer');

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(1_000);

      await expect(outcome).resolves.toEqual({ value: { value: 'answer', attempts: 3 } });
      // Full jitter: floor(0.5 × 200 × 2^0) then floor(0.5 × 200 × 2^1).
      expect(onRetry.mock.calls).toEqual([
        [1, first, 100],
        [2, second, 200],
      ]);
    });

    it('waits the jittered backoff before the next attempt', async () => {
      random.mockReturnValue(0.5);
      const sut = policy();
      const fn = failingThen([unavailable()], 'answer');

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(99);
      expect(fn).toHaveBeenCalledTimes(1);

      await jest.advanceTimersByTimeAsync(1);
      expect(fn).toHaveBeenCalledTimes(2);
      await expect(outcome).resolves.toEqual({ value: { value: 'answer', attempts: 2 } });
    });

    it('does not make the next attempt before Retry-After (1 s) has passed', async () => {
      random.mockReturnValue(1 - Number.EPSILON); // the longest jitter (199 ms) is still shorter
      const sut = policy();
      const fn = failingThen([new BallastError('MODEL_OVERLOADED', { retryAfterSeconds: 1 })], 'answer');

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(999);
      expect(fn).toHaveBeenCalledTimes(1);

      await jest.advanceTimersByTimeAsync(1);
      expect(fn).toHaveBeenCalledTimes(2);
      await expect(outcome).resolves.toEqual({ value: { value: 'answer', attempts: 2 } });
    });

    it('honours Retry-After on every attempt, not just the first', async () => {
      const sut = policy();
      const fn = failingThen(
        [new BallastError('MODEL_OVERLOADED', { retryAfterSeconds: 1 }), new BallastError('MODEL_OVERLOADED', { retryAfterSeconds: 2 })],
        'answer',
      );

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(1_000);
      expect(fn).toHaveBeenCalledTimes(2);

      await jest.advanceTimersByTimeAsync(1_999);
      expect(fn).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(fn).toHaveBeenCalledTimes(3);
      await expect(outcome).resolves.toEqual({ value: { value: 'answer', attempts: 3 } });
    });

    it('gives up at once when the wait would pass the deadline, carrying the error and the attempt count', async () => {
      const onRetry = jest.fn();
      const sut = policy(settingsWith(), { onRetry });
      const overloaded = new BallastError('MODEL_OVERLOADED', { retryAfterSeconds: 1 });
      const fn = alwaysFailing(() => overloaded);

      // No time is advanced: the answer must come without any wait.
      const { error } = await settle(sut.execute(fn, options({ deadlineAt: Date.now() + 500 })));

      const exhausted = expectExhausted(error, 'MODEL_OVERLOADED', 1);
      expect(exhausted.error).toBe(overloaded);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(onRetry).not.toHaveBeenCalled();
      expect(jest.getTimerCount()).toBe(0);
    });

    it('gives up on a later attempt when its wait would pass the deadline', async () => {
      const sut = policy();
      const fn = failingThen([unavailable(), new BallastError('MODEL_OVERLOADED', { retryAfterSeconds: 5 })], 'never');

      const outcome = settle(sut.execute(fn, options({ deadlineAt: Date.now() + 3_000 })));
      await jest.advanceTimersByTimeAsync(0);

      expectExhausted((await outcome).error, 'MODEL_OVERLOADED', 2);
      expect(fn).toHaveBeenCalledTimes(2);
    });

    it('stops retrying when the retry budget is spent', async () => {
      const sut = policy(settingsWith({ retries: 1 }));
      const fn = alwaysFailing();
      // The floor of the budget: 3 retries/s over 10 s = 30 retries, with 30 calls (20% of 30 < 30).
      for (let call = 0; call < 30; call++) {
        const outcome = settle(sut.execute(fn, options()));
        await jest.advanceTimersByTimeAsync(0);
        expectExhausted((await outcome).error, 'UPSTREAM_UNAVAILABLE', 2);
      }

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(0);

      expectExhausted((await outcome).error, 'UPSTREAM_UNAVAILABLE', 1);
      expect(fn).toHaveBeenCalledTimes(61);
    });

    it("stops at once when the caller's signal aborts during the backoff wait, with the signal's reason", async () => {
      random.mockReturnValue(0.5);
      const sut = policy();
      const fn = alwaysFailing();
      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(50); // inside the first 100 ms wait
      const reason = new BallastError('CLIENT_CLOSED_REQUEST');

      controller.abort(reason);

      const { error } = await outcome;
      expect(error).toBeInstanceOf(AttemptsExhaustedError);
      expect((error as AttemptsExhaustedError).error).toBe(reason);
      expect((error as AttemptsExhaustedError).attempts).toBe(1);
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it("does not retry when the caller's signal aborts during an attempt, and reports the signal's reason", async () => {
      const sut = policy();
      const fn = jest.fn(
        (signal: AbortSignal) =>
          new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(unavailable()), { once: true })),
      );
      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(10);
      expect(fn).toHaveBeenCalledTimes(1);
      const reason = new BallastError('MODEL_TIMEOUT', { cause: new Error('request deadline passed') });

      controller.abort(reason);
      await jest.advanceTimersByTimeAsync(60_000);

      const { error } = await outcome;
      expect((error as AttemptsExhaustedError).error).toBe(reason);
      expect((error as AttemptsExhaustedError).attempts).toBe(1);
      expect(fn).toHaveBeenCalledTimes(1);
    });
  });

  describe('attempt time limit', () => {
    const hanging = () =>
      jest.fn(
        (signal: AbortSignal) =>
          new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })),
      );

    it('times an attempt out after the provider timeout with MODEL_TIMEOUT, and retries it', async () => {
      const sut = policy(settingsWith({ retries: 1 }));
      const fn = hanging();

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(LIMITS.timeoutMs - 1);
      expect(fn).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1); // times out; the retry (no jitter) starts a timer tick later
      await jest.advanceTimersByTimeAsync(1);
      expect(fn).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(LIMITS.timeoutMs);

      expectExhausted((await outcome).error, 'MODEL_TIMEOUT', 2);
    });

    it('uses attemptTimeoutMs when the caller gives one', async () => {
      const sut = policy(settingsWith({ retries: 0 }));
      const fn = hanging();

      const outcome = settle(sut.execute(fn, options({ attemptTimeoutMs: 500 })));
      await jest.advanceTimersByTimeAsync(500);

      expectExhausted((await outcome).error, 'MODEL_TIMEOUT', 1);
    });
  });

  describe('bulkhead', () => {
    it('releases the slot after success and after failure', async () => {
      const sut = policy(settingsWith({ retries: 0 }));

      await sut.execute(() => Promise.resolve('ok'), options());
      expect(sut.bulkhead.inFlight).toBe(0);

      await sut.execute(alwaysFailing(), options()).catch(() => undefined);
      expect(sut.bulkhead.inFlight).toBe(0);
    });

    it('keeps one slot across all the retries of a call', async () => {
      const sut = policy();
      const inFlight: number[] = [];
      const fn = jest.fn((_signal: AbortSignal) => {
        inFlight.push(sut.bulkhead.inFlight);
        return inFlight.length < 3 ? Promise.reject(unavailable()) : Promise.resolve('ok');
      });

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(1_000);

      await expect(outcome).resolves.toEqual({ value: { value: 'ok', attempts: 3 } });
      expect(inFlight).toEqual([1, 1, 1]);
    });

    it('executeHolding keeps the slot until the caller releases it', async () => {
      const sut = policy(settingsWith(), {}, { ...LIMITS, maxConcurrency: 1, maxQueue: 0 });

      const held = await sut.executeHolding(() => Promise.resolve('stream'), options());

      expect(held).toMatchObject({ value: 'stream', attempts: 1 });
      expect(sut.bulkhead.inFlight).toBe(1);
      expect(sut.availability).toBe('overloaded');
      const fn = jest.fn(() => Promise.resolve('other'));
      await expect(sut.execute(fn, options())).rejects.toMatchObject({ code: 'MODEL_OVERLOADED', retryAfterSeconds: 1 });
      expect(fn).not.toHaveBeenCalled();

      held.slot.release();

      expect(sut.bulkhead.inFlight).toBe(0);
      expect(sut.availability).toBe('available');
      await expect(sut.execute(fn, options())).resolves.toEqual({ value: 'other', attempts: 1 });
    });

    it('executeHolding releases the slot itself when every attempt failed', async () => {
      const sut = policy(settingsWith({ retries: 0 }));

      await expect(sut.executeHolding(alwaysFailing(), options())).rejects.toBeInstanceOf(AttemptsExhaustedError);

      expect(sut.bulkhead.inFlight).toBe(0);
    });

    it('queues a call behind a held slot and runs it when the slot is released', async () => {
      const sut = policy(settingsWith(), {}, { ...LIMITS, maxConcurrency: 1, maxQueue: 1 });
      const held = await sut.executeHolding(() => Promise.resolve('stream'), options());
      const fn = jest.fn(() => Promise.resolve('queued'));

      const outcome = settle(sut.execute(fn, options()));
      await jest.advanceTimersByTimeAsync(100);
      expect(fn).not.toHaveBeenCalled();
      held.slot.release();
      await jest.advanceTimersByTimeAsync(0);

      await expect(outcome).resolves.toEqual({ value: { value: 'queued', attempts: 1 } });
    });
  });

  describe('circuit breaker', () => {
    const settings = settingsWith({ retries: 0, breaker: { ...DEFAULT_RESILIENCE.breaker, minCalls: 2, cooldownMs: 15_000 } });

    it("reports 'circuit-open' once the breaker opens, and refuses calls without making them", async () => {
      const states: BreakerStateName[] = [];
      const sut = policy(settings, { onBreakerState: (state) => states.push(state) });
      expect(sut.availability).toBe('available');

      await sut.execute(alwaysFailing(), options()).catch(() => undefined);
      await sut.execute(alwaysFailing(), options()).catch(() => undefined);

      expect(sut.availability).toBe('circuit-open');
      expect(states).toEqual(['open']);
      const fn = jest.fn(() => Promise.resolve('ok'));
      const { error } = await settle(sut.execute(fn, options()));
      expectExhausted(error, 'CIRCUIT_OPEN', 1);
      expect(fn).not.toHaveBeenCalled();
      expect(sut.bulkhead.inFlight).toBe(0);
    });

    it('does not wait to retry into a breaker its own timeout just opened, and reports the real failure', async () => {
      random.mockReturnValue(0.5);
      const onRetry = jest.fn();
      const sut = policy({ ...settings, retries: 2 }, { onRetry });
      const fn = alwaysFailing(() => new BallastError('MODEL_TIMEOUT'));

      let outcome: { error?: unknown } | undefined;
      void settle(sut.execute(fn, options())).then((settled) => (outcome = settled));
      await jest.advanceTimersByTimeAsync(100); // the one backoff wait, after attempt 1

      // Attempt 2 times out and opens the breaker: no second wait, no attempt 3.
      expect(outcome).toBeDefined();
      expectExhausted(outcome?.error, 'MODEL_TIMEOUT', 2);
      expect(fn).toHaveBeenCalledTimes(2);
      expect(onRetry).toHaveBeenCalledTimes(1);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('leaves fast failures that a retry recovers out of the breaker window', async () => {
      const sut = policy({ ...settings, retries: 2 });
      for (let i = 0; i < 10; i++) {
        const outcome = settle(sut.execute(failingThen([unavailable(), unavailable()], 'ok'), options()));
        await jest.runAllTimersAsync();
        expect(await outcome).toEqual({ value: { value: 'ok', attempts: 3 } });
      }
      expect(sut.breaker.stateName).toBe('closed');
    });

    it('counts fast failures once the retries could not recover them', async () => {
      const sut = policy({ ...settings, retries: 2 });
      const first = settle(sut.execute(alwaysFailing(), options()));
      await jest.runAllTimersAsync();
      expectExhausted((await first).error, 'UPSTREAM_UNAVAILABLE', 3);
      expect(sut.breaker.stateName).toBe('closed');
      const second = settle(sut.execute(alwaysFailing(), options()));
      await jest.runAllTimersAsync();
      expectExhausted((await second).error, 'UPSTREAM_UNAVAILABLE', 3);
      expect(sut.breaker.stateName).toBe('open');
    });

    it('becomes available again after the cool-down and closes on a successful call', async () => {
      const states: BreakerStateName[] = [];
      const sut = policy(settings, { onBreakerState: (state) => states.push(state) });
      await sut.execute(alwaysFailing(), options()).catch(() => undefined);
      await sut.execute(alwaysFailing(), options()).catch(() => undefined);

      await jest.advanceTimersByTimeAsync(15_000);
      expect(sut.availability).toBe('available');

      await expect(sut.execute(() => Promise.resolve('ok'), options())).resolves.toEqual({ value: 'ok', attempts: 1 });
      expect(states).toEqual(['open', 'half-open', 'closed']);
      expect(sut.breaker.stateName).toBe('closed');
    });

    it('does not count client errors against the breaker', async () => {
      const sut = policy(settings);

      for (let i = 0; i < 10; i++) {
        await sut
          .execute(
            alwaysFailing(() => new BallastError('VALIDATION_FAILED')),
            options(),
          )
          .catch(() => undefined);
      }

      expect(sut.availability).toBe('available');
    });
  });

  it('exposes its settings', () => {
    const settings = settingsWith({ retries: 4 });
    expect(policy(settings).resilience).toBe(settings);
  });
});
