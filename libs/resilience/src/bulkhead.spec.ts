import { getEventListeners } from 'node:events';
import { BallastError } from '@ballast/errors';
import { Bulkhead, BulkheadSlot } from './bulkhead';

const MAX_WAIT_MS = 1000;

/** A promise's outcome so far, without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { status: 'pending' | 'fulfilled' | 'rejected'; value?: T; reason?: unknown } = { status: 'pending' };
  promise.then(
    (value) => Object.assign(state, { status: 'fulfilled', value }),
    (reason: unknown) => Object.assign(state, { status: 'rejected', reason }),
  );
  return state;
}

/** Lets pending promise callbacks run. */
async function flush(): Promise<void> {
  await jest.advanceTimersByTimeAsync(0);
}

function expectOverloaded(error: unknown): void {
  expect(error).toBeInstanceOf(BallastError);
  expect((error as BallastError).code).toBe('MODEL_OVERLOADED');
  expect((error as BallastError).retryAfterSeconds).toBe(1);
}

describe('Bulkhead', () => {
  let sut: Bulkhead;
  const signal = new AbortController().signal;

  beforeEach(() => {
    jest.useFakeTimers();
    sut = new Bulkhead(2, 1, MAX_WAIT_MS, 'primary');
  });
  afterEach(() => jest.useRealTimers());

  it('grants up to its capacity at once', async () => {
    await sut.acquire(signal);
    await sut.acquire(signal);

    expect(sut.inFlight).toBe(2);
    expect(sut.waiting).toBe(0);
    expect(sut.saturated).toBe(false);
  });

  it('makes the caller past its capacity wait', async () => {
    await sut.acquire(signal);
    await sut.acquire(signal);

    const third = track(sut.acquire(signal));
    await flush();

    expect(third.status).toBe('pending');
    expect(sut.inFlight).toBe(2);
    expect(sut.waiting).toBe(1);
    expect(sut.saturated).toBe(true);
  });

  it('hands a released slot to the queued caller', async () => {
    const first = await sut.acquire(signal);
    await sut.acquire(signal);
    const third = track(sut.acquire(signal));

    first.release();
    await flush();

    expect(third.status).toBe('fulfilled');
    expect(sut.inFlight).toBe(2);
    expect(sut.waiting).toBe(0);
    (third.value as BulkheadSlot).release();
    expect(sut.inFlight).toBe(1);
  });

  it('serves queued callers in arrival order', async () => {
    sut = new Bulkhead(1, 3, MAX_WAIT_MS, 'primary');
    const held = await sut.acquire(signal);
    const order: string[] = [];
    const waiters = ['a', 'b', 'c'].map((name) => sut.acquire(signal).then((slot) => (order.push(name), slot)));

    held.release();
    (await waiters[0]).release();
    (await waiters[1]).release();
    (await waiters[2]).release();

    expect(order).toEqual(['a', 'b', 'c']);
    expect(sut.inFlight).toBe(0);
  });

  it('sheds at once with MODEL_OVERLOADED and a Retry-After when the queue is full', async () => {
    await sut.acquire(signal);
    await sut.acquire(signal);
    void sut.acquire(signal).catch(() => undefined); // fills the one-place queue

    const shed = track(sut.acquire(signal));
    await Promise.resolve();
    await Promise.resolve();

    expect(shed.status).toBe('rejected');
    expectOverloaded(shed.reason);
    expect(sut.waiting).toBe(1);
  });

  it('sheds a queued caller with MODEL_OVERLOADED after the longest wait, not before', async () => {
    await sut.acquire(signal);
    await sut.acquire(signal);
    const queued = track(sut.acquire(signal));

    await jest.advanceTimersByTimeAsync(MAX_WAIT_MS - 1);
    expect(queued.status).toBe('pending');

    await jest.advanceTimersByTimeAsync(1);
    expect(queued.status).toBe('rejected');
    expectOverloaded(queued.reason);
    expect(sut.waiting).toBe(0);
    expect(sut.inFlight).toBe(2);
  });

  it('does not hand a slot to a caller that was shed', async () => {
    const first = await sut.acquire(signal);
    await sut.acquire(signal);
    const queued = track(sut.acquire(signal));
    await jest.advanceTimersByTimeAsync(MAX_WAIT_MS);

    first.release();

    expect(queued.status).toBe('rejected');
    expect(sut.inFlight).toBe(1);
  });

  it("removes a waiter whose signal aborts and rejects with the signal's reason", async () => {
    await sut.acquire(signal);
    const first = await sut.acquire(signal);
    const controller = new AbortController();
    const queued = track(sut.acquire(controller.signal));
    await flush();
    const reason = new Error('client went away');

    controller.abort(reason);
    await flush();

    expect(queued.status).toBe('rejected');
    expect(queued.reason).toBe(reason);
    expect(sut.waiting).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);

    // Its place is really gone: a release frees the slot rather than granting it to nobody.
    first.release();
    expect(sut.inFlight).toBe(1);
  });

  it('lets the next waiter through after one ahead of it aborts', async () => {
    sut = new Bulkhead(1, 2, MAX_WAIT_MS, 'primary');
    const held = await sut.acquire(signal);
    const controller = new AbortController();
    const aborted = track(sut.acquire(controller.signal));
    const next = track(sut.acquire(signal));

    controller.abort(new Error('gone'));
    held.release();
    await flush();

    expect(aborted.status).toBe('rejected');
    expect(next.status).toBe('fulfilled');
    expect(sut.inFlight).toBe(1);
  });

  it('refuses at once, without taking a slot, when the signal is already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('already gone');
    controller.abort(reason);

    await expect(sut.acquire(controller.signal)).rejects.toBe(reason);
    expect(sut.inFlight).toBe(0);
  });

  it('cleans up the timer and listener of a waiter that got its slot', async () => {
    const first = await sut.acquire(signal);
    await sut.acquire(signal);
    const controller = new AbortController();
    const queued = sut.acquire(controller.signal);

    first.release();
    await queued;

    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);
    controller.abort(new Error('late abort'));
    expect(sut.inFlight).toBe(2);
  });

  it('makes release idempotent', async () => {
    const first = await sut.acquire(signal);
    await sut.acquire(signal);

    first.release();
    first.release();

    expect(sut.inFlight).toBe(1);
  });

  it('does not grant a second waiter when a slot is released twice', async () => {
    sut = new Bulkhead(1, 2, MAX_WAIT_MS, 'primary');
    const held = await sut.acquire(signal);
    const a = track(sut.acquire(signal));
    const b = track(sut.acquire(signal));

    held.release();
    held.release();
    await flush();

    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('pending');
    expect(sut.inFlight).toBe(1);
    expect(sut.waiting).toBe(1);
  });

  it('sheds at once when it has no queue at all', async () => {
    sut = new Bulkhead(1, 0, MAX_WAIT_MS, 'primary');
    await sut.acquire(signal);

    expect(sut.saturated).toBe(true);
    await expect(sut.acquire(signal)).rejects.toMatchObject({ code: 'MODEL_OVERLOADED', retryAfterSeconds: 1 });
  });

  describe('with a limit set at run time', () => {
    it('admits queued callers at once when the limit rises', async () => {
      sut = new Bulkhead(1, 3, MAX_WAIT_MS, 'primary');
      await sut.acquire(signal);
      const a = track(sut.acquire(signal));
      const b = track(sut.acquire(signal));
      const c = track(sut.acquire(signal));

      sut.setLimit(3);
      await flush();

      expect(sut.capacity).toBe(3);
      expect([a.status, b.status, c.status]).toEqual(['fulfilled', 'fulfilled', 'pending']);
      expect(sut.inFlight).toBe(3);
      expect(sut.waiting).toBe(1);
    });

    it('lets running calls finish and admits none until fewer than the lower limit run', async () => {
      sut = new Bulkhead(3, 2, MAX_WAIT_MS, 'primary');
      const slots = [await sut.acquire(signal), await sut.acquire(signal), await sut.acquire(signal)];

      sut.setLimit(1);
      const waiter = track(sut.acquire(signal));
      slots[0].release();
      slots[1].release();
      await flush();

      expect(waiter.status).toBe('pending');
      expect(sut.inFlight).toBe(1);

      slots[2].release();
      await flush();

      expect(waiter.status).toBe('fulfilled');
      expect(sut.inFlight).toBe(1);
    });

    it('counts as full against the current limit', async () => {
      sut = new Bulkhead(4, 0, MAX_WAIT_MS, 'primary');
      await sut.acquire(signal);
      await sut.acquire(signal);

      sut.setLimit(2);

      expect(sut.saturated).toBe(true);
      await expect(sut.acquire(signal)).rejects.toMatchObject({ code: 'MODEL_OVERLOADED' });
    });

    it('refuses a limit below one or not a whole number', () => {
      expect(() => sut.setLimit(0)).toThrow(RangeError);
      expect(() => sut.setLimit(2.5)).toThrow(RangeError);
      expect(sut.capacity).toBe(2);
    });
  });
});
