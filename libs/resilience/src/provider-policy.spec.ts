import { getEventListeners } from 'node:events';
import { BallastError } from '@ballast/errors';
import { clientSideOf } from './abort/client-side';
import { Deadline } from './abort/deadline';
import { BreakerStateName } from './circuit-breaker';
import { AttemptOptions, PolicyEvents, ProviderLimits, ProviderPolicy } from './provider-policy';
import { DEFAULT_RESILIENCE, ResilienceSettings } from './resilience-settings';

const LIMITS: ProviderLimits = { timeoutMs: 30_000, maxConcurrency: 1, maxQueue: 0 };
const BREAKER = { ...DEFAULT_RESILIENCE.breaker, minCalls: 2, cooldownMs: 15_000 };

const unavailable = () => new BallastError('UPSTREAM_UNAVAILABLE');
/** Never answers, but gives up (like fetch) when its signal aborts. */
const hang = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
const failing = (error: () => unknown) => jest.fn((_signal: AbortSignal) => Promise.reject(error()));

function settingsWith(overrides: Partial<ResilienceSettings> = {}): ResilienceSettings {
  return { ...DEFAULT_RESILIENCE, breaker: BREAKER, ...overrides };
}

/** Settles a promise's outcome into a value, so a test can await it after advancing time. */
function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('ProviderPolicy', () => {
  let controller: AbortController;
  const policy = (events: PolicyEvents = {}, settings = settingsWith(), limits = LIMITS) =>
    new ProviderPolicy('primary', settings, limits, events);
  const options = () => ({ deadline: new Deadline(120_000, clientSideOf(controller.signal)) });

  /** Two counted failures: the breaker (minCalls 2, rate 50%) opens. */
  async function open(sut: ProviderPolicy): Promise<void> {
    await sut.attempt(failing(unavailable), options()).catch(() => undefined);
    await sut.attempt(failing(unavailable), options()).catch(() => undefined);
    expect(sut.breaker.stateName).toBe('open');
  }

  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(new Date('2026-01-01T00:00:00.000Z'));
    controller = new AbortController();
  });
  afterEach(() => jest.useRealTimers());

  describe('admit', () => {
    it('grants a slot while the breaker is closed and the bulkhead has room', async () => {
      const sut = policy();
      const slot = await sut.admit(new Deadline(120_000, clientSideOf(controller.signal)));
      expect(sut.bulkhead.inFlight).toBe(1);
      slot.release();
      expect(sut.bulkhead.inFlight).toBe(0);
    });

    it('refuses with its own CIRCUIT_OPEN and the wait until the next probe while the breaker is open', async () => {
      const sut = policy();
      await open(sut);
      jest.advanceTimersByTime(5_000);
      await expect(sut.admit(new Deadline(120_000, clientSideOf(controller.signal)))).rejects.toMatchObject({
        code: 'CIRCUIT_OPEN',
        retryAfterSeconds: 10,
      });
      expect(sut.availability).toBe('circuit-open');
    });

    it('sheds with MODEL_OVERLOADED marked as shed, and reports it, when the bulkhead is full', async () => {
      const onShed = jest.fn();
      const sut = policy({ onShed });
      const held = await sut.admit(new Deadline(120_000, clientSideOf(controller.signal)));
      expect(sut.availability).toBe('overloaded');

      const { error } = await settle(sut.admit(new Deadline(120_000, clientSideOf(controller.signal))));

      expect(error).toMatchObject({ code: 'MODEL_OVERLOADED', shed: true, retryAfterSeconds: 1 });
      expect(onShed).toHaveBeenCalledTimes(1);
      held.release();
    });

    it('takes a free slot without making the deadline its signal (no timer, no listener on the client)', async () => {
      const sut = policy();

      const slot = await sut.admit(new Deadline(120_000, clientSideOf(controller.signal)));

      expect(jest.getTimerCount()).toBe(0);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      slot.release();
    });

    it('a call that must queue waits within the request deadline, and leaves with its reason', async () => {
      const sut = policy({}, settingsWith(), { ...LIMITS, maxQueue: 1 });
      const held = await sut.admit(new Deadline(120_000, clientSideOf(controller.signal)));
      const deadline = new Deadline(300, clientSideOf(controller.signal));

      const queued = settle(sut.admit(deadline));
      await jest.advanceTimersByTimeAsync(300);

      expect((await queued).error).toBe(deadline.reason);
      expect((await queued).error).toMatchObject({ code: 'MODEL_TIMEOUT' });
      expect(sut.bulkhead.waiting).toBe(0);
      held.release();
      deadline.dispose();
    });

    it('refuses at once when the request has already ended', async () => {
      const deadline = new Deadline(120_000, clientSideOf(controller.signal));
      const passed = deadline.pass();

      await expect(policy().admit(deadline)).rejects.toBe(passed);
    });
  });

  describe('attempt', () => {
    it('returns what the attempt returns', async () => {
      await expect(policy().attempt(() => Promise.resolve('answer'), options())).resolves.toBe('answer');
    });

    it('ends an attempt at the provider timeout with MODEL_TIMEOUT, or at the limit the caller gives', async () => {
      const sut = policy();
      const byProvider = settle(sut.attempt(hang, options()));
      const byCaller = settle(sut.attempt(hang, { ...options(), timeoutMs: 5_000 }));

      await jest.advanceTimersByTimeAsync(5_000);
      expect((await byCaller).error).toMatchObject({ code: 'MODEL_TIMEOUT' });
      await jest.advanceTimersByTimeAsync(25_000);
      expect((await byProvider).error).toMatchObject({ code: 'MODEL_TIMEOUT' });
    });
  });

  describe('what the breaker counts', () => {
    it('counts upstream faults: two of them open it, and the state change is reported', async () => {
      const states: BreakerStateName[] = [];
      const sut = policy({ onBreakerState: (state) => states.push(state) });
      await open(sut);
      expect(states).toEqual(['open']);
    });

    it('leaves out a fast failure the caller will retry on the same provider', async () => {
      const sut = policy();
      for (let i = 0; i < 10; i++) {
        await sut.attempt(failing(unavailable), { ...options(), retriesHere: () => true }).catch(() => undefined);
      }
      expect(sut.breaker.stateName).toBe('closed');
    });

    it('counts a timeout even when the caller will retry it: it cost the client the whole wait', async () => {
      const sut = policy();
      const timeout = () => new BallastError('MODEL_TIMEOUT');
      await sut.attempt(failing(timeout), { ...options(), retriesHere: () => true }).catch(() => undefined);
      await sut.attempt(failing(timeout), { ...options(), retriesHere: () => true }).catch(() => undefined);
      expect(sut.breaker.stateName).toBe('open');
    });

    it('never counts our own shedding (a full OCR queue inside the provider) or client errors', async () => {
      const sut = policy();
      for (let i = 0; i < 20; i++) {
        await sut
          .attempt(
            failing(() => new BallastError('MODEL_OVERLOADED', { shed: true })),
            options(),
          )
          .catch(() => undefined);
        await sut
          .attempt(
            failing(() => new BallastError('VALIDATION_FAILED')),
            options(),
          )
          .catch(() => undefined);
      }
      expect(sut.breaker.stateName).toBe('closed');
    });

    /** One attempt that hangs until `end` ends it, made `times` over; the breaker's state after. */
    async function endedEach(times: number, attempt: () => { options: AttemptOptions; end(): unknown }): Promise<BreakerStateName> {
      const sut = policy();
      for (let i = 0; i < times; i++) {
        const { options, end } = attempt();
        const pending = settle(sut.attempt(hang, options));
        await end();
        expect((await pending).error).toBeInstanceOf(BallastError);
      }
      return sut.breaker.stateName;
    }

    it.each([
      [
        'its client left',
        () => {
          const caller = new AbortController();
          const deadline = new Deadline(120_000, clientSideOf(caller.signal));
          return { options: { deadline }, end: () => caller.abort(new BallastError('CLIENT_CLOSED_REQUEST')) };
        },
      ],
      [
        'the request deadline passed, though that is a MODEL_TIMEOUT',
        () => ({
          options: { deadline: new Deadline(1_000, clientSideOf(controller.signal)), timeoutMs: 5_000 },
          end: () => jest.advanceTimersByTimeAsync(1_000),
        }),
      ],
      [
        "it was cancelled alone (a hedge's loser)",
        () => {
          const cancel = new AbortController();
          return { options: { ...options(), cancel: cancel.signal }, end: () => cancel.abort(new BallastError('CLIENT_CLOSED_REQUEST')) };
        },
      ],
    ])('does not count a call that ended from outside: %s', async (_case, attempt) => {
      expect(await endedEach(5, attempt)).toBe('closed');
    });

    it('counts a call ended by its own limit before the deadline', async () => {
      const byItsLimit = () => ({
        options: { deadline: new Deadline(10_000, clientSideOf(controller.signal)), timeoutMs: 1_000 },
        end: () => jest.advanceTimersByTimeAsync(1_000),
      });
      expect(await endedEach(2, byItsLimit)).toBe('open');
    });
  });

  describe('half-open', () => {
    async function halfOpen(sut: ProviderPolicy): Promise<void> {
      await open(sut);
      await jest.advanceTimersByTimeAsync(15_000);
      expect(sut.availability).toBe('available');
    }

    it('closes on a successful probe', async () => {
      const sut = policy();
      await halfOpen(sut);
      await sut.attempt(() => Promise.resolve('ok'), options());
      expect(sut.breaker.stateName).toBe('closed');
    });

    it('stays open when its probe is cancelled by the caller (a shutdown), instead of closing on it', async () => {
      const sut = policy();
      await halfOpen(sut);
      const caller = new AbortController();
      const probe = settle(sut.attempt(hang, { deadline: new Deadline(Infinity, clientSideOf(caller.signal)) }));
      expect(sut.breaker.stateName).toBe('half-open');

      caller.abort(new BallastError('SHUTTING_DOWN'));

      expect((await probe).error).toMatchObject({ code: 'SHUTTING_DOWN' });
      expect(sut.breaker.stateName).toBe('open');
    });

    it('stays open when its probe is shed by our own queue', async () => {
      const sut = policy();
      await halfOpen(sut);
      await sut
        .attempt(
          failing(() => new BallastError('MODEL_OVERLOADED', { shed: true })),
          options(),
        )
        .catch(() => undefined);
      expect(sut.breaker.stateName).toBe('open');
    });

    it('closes when the upstream answers the probe with a client error: it is up', async () => {
      const sut = policy();
      await halfOpen(sut);
      await sut
        .attempt(
          failing(() => new BallastError('CONTEXT_LENGTH_EXCEEDED')),
          options(),
        )
        .catch(() => undefined);
      expect(sut.breaker.stateName).toBe('closed');
    });
  });

  describe('retries', () => {
    it('waits the jittered backoff, never shorter than Retry-After', () => {
      const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
      const sut = policy();
      expect(sut.retryDelayMs(unavailable(), 1)).toBe(100);
      expect(sut.retryDelayMs(unavailable(), 2)).toBe(200);
      expect(sut.retryDelayMs(new BallastError('MODEL_OVERLOADED', { retryAfterSeconds: 2 }), 1)).toBe(2_000);
      random.mockRestore();
    });

    it('spends its budget only when a retry is taken, and reports each one', async () => {
      const onRetry = jest.fn();
      const sut = policy({ onRetry }, settingsWith({ retryBudget: 0 }));
      let spent = 0;
      while (sut.hasRetryBudget && spent < 100) {
        sut.spendRetry(1, unavailable(), 10);
        spent++;
      }
      // The floor: 3 retries a second over the 10 s window.
      expect(spent).toBe(30);
      expect(onRetry).toHaveBeenCalledTimes(30);
      expect(onRetry).toHaveBeenCalledWith(1, expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' }), 10);
    });
  });

  describe('adaptive concurrency', () => {
    it('starts the bulkhead at the adaptive limit, reports it, and backs off when the upstream drops a call', async () => {
      const limits: number[] = [];
      const sut = policy({ onConcurrencyLimit: (limit) => limits.push(limit) }, settingsWith({ adaptiveConcurrency: true }), {
        ...LIMITS,
        maxConcurrency: 100,
        maxQueue: 10,
      });
      expect(sut.bulkhead.capacity).toBe(10);
      await sut
        .attempt(
          failing(() => new BallastError('MODEL_TIMEOUT')),
          options(),
        )
        .catch(() => undefined);
      expect(sut.bulkhead.capacity).toBe(9);
      // Our own shedding and client errors say nothing about the upstream's capacity.
      await sut
        .attempt(
          failing(() => new BallastError('MODEL_OVERLOADED', { shed: true })),
          options(),
        )
        .catch(() => undefined);
      await sut
        .attempt(
          failing(() => new BallastError('VALIDATION_FAILED')),
          options(),
        )
        .catch(() => undefined);
      expect(limits).toEqual([10, 9]);
    });

    it('keeps the fixed maxConcurrency without it', () => {
      expect(policy({}, settingsWith(), { ...LIMITS, maxConcurrency: 100 }).bulkhead.capacity).toBe(100);
    });
  });

  it('exposes its settings', () => {
    const settings = settingsWith({ retries: 4 });
    expect(policy({}, settings).resilience).toBe(settings);
  });
});
