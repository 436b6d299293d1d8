import { getEventListeners } from 'node:events';
import { BallastError } from '@ballast/errors';
import { clientSideOf } from './abort/client-side';
import { Deadline } from './abort/deadline';
import { withAttemptTimeout } from './attempt-timeout';

/** An attempt that never answers, but gives up (like fetch) when its signal aborts. */
function hangingUntilAborted(seen?: { signal?: AbortSignal }) {
  return (signal: AbortSignal) =>
    new Promise<never>((_, reject) => {
      if (seen) {
        seen.signal = signal;
      }
      signal.addEventListener('abort', () => reject(new Error('The operation was aborted')), { once: true });
    });
}

describe('withAttemptTimeout', () => {
  const sut = withAttemptTimeout;
  let client: AbortController;
  let deadline: Deadline;

  beforeEach(() => {
    jest.useFakeTimers();
    client = new AbortController();
    deadline = new Deadline(10_000, clientSideOf(client.signal));
  });
  afterEach(() => jest.useRealTimers());

  it('returns what the attempt returns, and leaves no timer or listener behind', async () => {
    await expect(sut(1000, { deadline }, () => Promise.resolve('answer'))).resolves.toBe('answer');

    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });

  it('passes an attempt error through unchanged, and cleans up', async () => {
    const error = new BallastError('UPSTREAM_UNAVAILABLE');

    await expect(sut(1000, { deadline }, () => Promise.reject(error))).rejects.toBe(error);

    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });

  it("runs on one timer and one listener on the client's signal: the deadline's own signal is not made", async () => {
    let during: { timers: number; listeners: number } | undefined;
    await sut(1000, { deadline }, () => {
      during = { timers: jest.getTimerCount(), listeners: getEventListeners(client.signal, 'abort').length };
      return Promise.resolve('answer');
    });

    expect(during).toEqual({ timers: 1, listeners: 1 });
  });

  it('aborts the attempt at its limit and fails with MODEL_TIMEOUT, not the error the attempt threw; the deadline goes on', async () => {
    const seen: { signal?: AbortSignal } = {};
    const outcome = sut(1000, { deadline }, hangingUntilAborted(seen)).catch((error: unknown) => error);

    await jest.advanceTimersByTimeAsync(999);
    expect(seen.signal?.aborted).toBe(false);

    await jest.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(BallastError);
    expect((error as BallastError).code).toBe('MODEL_TIMEOUT');
    expect(seen.signal?.reason).toBe(error);
    expect(deadline.ended).toBe(false);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("ends at the request deadline when it comes before the limit, with the deadline's reason, and ends the deadline", async () => {
    const short = new Deadline(300, clientSideOf(client.signal));
    const waiting = short.signal;
    const seen: { signal?: AbortSignal } = {};
    const outcome = sut(1000, { deadline: short }, hangingUntilAborted(seen)).catch((error: unknown) => error);

    await jest.advanceTimersByTimeAsync(299);
    expect(seen.signal?.aborted).toBe(false);

    await jest.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect((error as BallastError).code).toBe('MODEL_TIMEOUT');
    expect(String((error as BallastError).cause)).toContain('request deadline of 300 ms passed');
    expect(short.ended).toBe(true);
    expect(short.reason).toBe(error);
    expect(waiting.reason).toBe(error);
    short.dispose();
    expect(jest.getTimerCount()).toBe(0);
  });

  it("propagates the client's abort with the client's reason, not MODEL_TIMEOUT", async () => {
    const seen: { signal?: AbortSignal } = {};
    const outcome = sut(1000, { deadline }, hangingUntilAborted(seen)).catch((error: unknown) => error);
    const reason = new BallastError('CLIENT_CLOSED_REQUEST');

    await jest.advanceTimersByTimeAsync(100);
    client.abort(reason);

    await expect(outcome).resolves.toBe(reason);
    expect(seen.signal?.reason).toBe(reason);
    expect(deadline.ended).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });

  it("aborts with the cancel's reason when the caller cancels this attempt alone, and the deadline goes on", async () => {
    const cancel = new AbortController();
    const reason = new BallastError('CLIENT_CLOSED_REQUEST', { cause: new Error('the other call answered first') });
    const outcome = sut(1000, { deadline, cancel: cancel.signal }, hangingUntilAborted()).catch((error: unknown) => error);

    cancel.abort(reason);

    await expect(outcome).resolves.toBe(reason);
    expect(deadline.ended).toBe(false);
    expect(getEventListeners(cancel.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });

  it('does not start the attempt when the client has already left', async () => {
    const reason = new Error('client gone');
    client.abort(reason);
    const fn = jest.fn(() => Promise.resolve('never'));

    await expect(sut(1000, { deadline }, fn)).rejects.toBe(reason);

    expect(fn).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not start the attempt when the deadline has passed', async () => {
    const passed = deadline.pass();
    const fn = jest.fn(() => Promise.resolve('never'));

    await expect(sut(1000, { deadline }, fn)).rejects.toBe(passed);

    expect(fn).not.toHaveBeenCalled();
  });

  it('without a deadline (Infinity), only its own limit ends it', async () => {
    const outcome = sut(50, { deadline: new Deadline(Infinity, clientSideOf(client.signal)) }, hangingUntilAborted()).catch(
      (error: unknown) => error,
    );

    await jest.advanceTimersByTimeAsync(50);

    expect(String(((await outcome) as BallastError).cause)).toContain('attempt exceeded 50 ms');
  });

  it('leaves the client behind once the attempt is over (its signal serves the attempt only)', async () => {
    const seen: { signal?: AbortSignal } = {};
    await sut(1000, { deadline }, (signal) => {
      seen.signal = signal;
      return Promise.resolve('done');
    });

    await jest.advanceTimersByTimeAsync(5_000);
    client.abort(new Error('later'));
    expect(seen.signal?.aborted).toBe(false);
  });
});
