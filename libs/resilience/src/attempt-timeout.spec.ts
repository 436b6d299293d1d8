import { getEventListeners } from 'node:events';
import { BallastError } from '@ballast/errors';
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

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('returns what the attempt returns, and leaves no timer or listener behind', async () => {
    const parent = new AbortController();

    await expect(sut(1000, parent.signal, () => Promise.resolve('answer'))).resolves.toBe('answer');

    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('passes an attempt error through unchanged, and cleans up', async () => {
    const parent = new AbortController();
    const error = new BallastError('UPSTREAM_UNAVAILABLE');

    await expect(sut(1000, parent.signal, () => Promise.reject(error))).rejects.toBe(error);

    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('aborts the attempt at its limit and fails with MODEL_TIMEOUT, not the error the attempt threw', async () => {
    const parent = new AbortController();
    const seen: { signal?: AbortSignal } = {};
    const outcome = sut(1000, parent.signal, hangingUntilAborted(seen)).catch((error: unknown) => error);

    await jest.advanceTimersByTimeAsync(999);
    expect(seen.signal?.aborted).toBe(false);

    await jest.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(BallastError);
    expect((error as BallastError).code).toBe('MODEL_TIMEOUT');
    expect(seen.signal?.reason).toBe(error);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("propagates the parent's abort with the parent's reason, not MODEL_TIMEOUT", async () => {
    const parent = new AbortController();
    const seen: { signal?: AbortSignal } = {};
    const outcome = sut(1000, parent.signal, hangingUntilAborted(seen)).catch((error: unknown) => error);
    const reason = new BallastError('CLIENT_CLOSED_REQUEST');

    await jest.advanceTimersByTimeAsync(100);
    parent.abort(reason);

    await expect(outcome).resolves.toBe(reason);
    expect(seen.signal?.aborted).toBe(true);
    expect(seen.signal?.reason).toBe(reason);
    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it("keeps the parent's reason when the parent is the request deadline (itself a MODEL_TIMEOUT)", async () => {
    const parent = new AbortController();
    const deadline = new BallastError('MODEL_TIMEOUT', { cause: new Error('request deadline passed') });
    const outcome = sut(1000, parent.signal, hangingUntilAborted()).catch((error: unknown) => error);

    parent.abort(deadline);

    await expect(outcome).resolves.toBe(deadline);
  });

  it('does not start the attempt when the parent has already aborted', async () => {
    const parent = new AbortController();
    const reason = new Error('client gone');
    parent.abort(reason);
    const fn = jest.fn(() => Promise.resolve('never'));

    await expect(sut(1000, parent.signal, fn)).rejects.toBe(reason);

    expect(fn).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('gives each attempt its own signal, so one timing out does not abort the parent', async () => {
    const parent = new AbortController();
    const outcome = sut(50, parent.signal, hangingUntilAborted()).catch(() => undefined);

    await jest.advanceTimersByTimeAsync(50);
    await outcome;

    expect(parent.signal.aborted).toBe(false);
  });

  it('leaves both the limit and the parent behind once the attempt is over (its signal serves the attempt only)', async () => {
    const parent = new AbortController();
    const seen: { signal?: AbortSignal } = {};
    await sut(1000, parent.signal, (signal) => {
      seen.signal = signal;
      return Promise.resolve('done');
    });

    await jest.advanceTimersByTimeAsync(5_000);
    parent.abort(new Error('later'));
    expect(seen.signal?.aborted).toBe(false);
  });
});
