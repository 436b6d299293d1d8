import { getEventListeners } from 'node:events';
import { BallastError } from '@ballast/errors';
import { Deadline } from './deadline';

describe('Deadline', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('aborts with MODEL_TIMEOUT when its time has passed', async () => {
    const sut = new Deadline(1000, new AbortController().signal);

    await jest.advanceTimersByTimeAsync(1000);

    expect((sut.signal.reason as BallastError).code).toBe('MODEL_TIMEOUT');
  });

  it("aborts with the client's reason when the client leaves first", () => {
    const client = new AbortController();
    const sut = new Deadline(1000, client.signal);
    const reason = new BallastError('CLIENT_CLOSED_REQUEST');

    client.abort(reason);

    expect(sut.signal.reason).toBe(reason);
  });

  it('once disposed, leaves no timer and no listener on the client signal', () => {
    const client = new AbortController();
    const sut = new Deadline(1000, client.signal);

    sut.dispose();

    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });
});
