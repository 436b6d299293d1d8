import { getEventListeners } from 'node:events';
import { abortableSleep } from './abortable-sleep';

describe('abortableSleep', () => {
  const sut = abortableSleep;

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves after the given time, not before, and leaves no listener behind', async () => {
    const controller = new AbortController();
    let done = false;
    const sleeping = sut(500, controller.signal).then(() => (done = true));

    await jest.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it("rejects with the signal's reason when aborted, and clears its timer", async () => {
    const controller = new AbortController();
    const reason = new Error('client left');
    const sleeping = sut(10_000, controller.signal);

    controller.abort(reason);

    await expect(sleeping).rejects.toBe(reason);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('gone');
    controller.abort(reason);

    await expect(sut(10_000, controller.signal)).rejects.toBe(reason);
    expect(jest.getTimerCount()).toBe(0);
  });
});
