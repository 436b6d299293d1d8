import { getEventListeners } from 'node:events';
import { BallastError } from '@ballast/errors';
import { clientSideOf } from './client-side';
import { Deadline } from './deadline';

describe('Deadline', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('makes no timer and no listener until a wait asks for its signal', () => {
    const client = new AbortController();
    const sut = new Deadline(1000, clientSideOf(client.signal));

    expect(sut.remainingMs()).toBe(1000);
    expect(sut.ended).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });

  it('its signal aborts with MODEL_TIMEOUT when its time has passed, and it has ended', async () => {
    const sut = new Deadline(1000, clientSideOf(new AbortController().signal));
    const signal = sut.signal;

    await jest.advanceTimersByTimeAsync(999);
    expect(signal.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);

    expect((signal.reason as BallastError).code).toBe('MODEL_TIMEOUT');
    expect(sut.ended).toBe(true);
    expect(sut.reason).toBe(signal.reason);
    expect(() => sut.throwIfEnded()).toThrow(signal.reason as BallastError);
  });

  it("ends with the client's reason when the client leaves first, its signal too", () => {
    const client = new AbortController();
    const sut = new Deadline(1000, clientSideOf(client.signal));
    const signal = sut.signal;
    const reason = new BallastError('CLIENT_CLOSED_REQUEST');

    client.abort(reason);

    expect(sut.ended).toBe(true);
    expect(sut.reason).toBe(reason);
    expect(signal.reason).toBe(reason);
  });

  it('passed by an attempt, it ends at once with one reason, and a signal asked for later is already aborted', () => {
    const client = new AbortController();
    const sut = new Deadline(1000, clientSideOf(client.signal));

    const reason = sut.pass();

    expect(sut.pass()).toBe(reason);
    expect(sut.ended).toBe(true);
    expect(sut.signal.aborted).toBe(true);
    expect(sut.signal.reason).toBe(reason);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('has ended once its time is past by the clock, though no timer has fired (none was made)', () => {
    const sut = new Deadline(1000);

    jest.setSystemTime(Date.now() + 1000);

    expect(sut.ended).toBe(true);
    expect((sut.reason as BallastError).code).toBe('MODEL_TIMEOUT');
    expect(sut.signal.aborted).toBe(true);
  });

  it('with no deadline (Infinity) its signal has no timer: only the client ends it', () => {
    const client = new AbortController();
    const sut = new Deadline(Infinity, clientSideOf(client.signal));

    const signal = sut.signal;

    expect(jest.getTimerCount()).toBe(0);
    client.abort(new Error('shutting down'));
    expect(signal.aborted).toBe(true);
  });

  it('once disposed, leaves no timer and no listener on the client signal', () => {
    const client = new AbortController();
    const sut = new Deadline(1000, clientSideOf(client.signal));
    void sut.signal;

    sut.dispose();

    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });
});
