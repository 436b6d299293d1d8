import { BallastError } from '@ballast/errors';
import type { ChatCompletionChunk } from '../ports/chat-model.port';
import { LegRouting, RoutedChunks, Usage } from './routed-chunks';
import type { RouteTarget } from './route-target';
import type { Leg } from './stream-leg';

const chunk = (content: string) => ({ choices: [{ index: 0, delta: { content } }] }) as unknown as ChatCompletionChunk;

/** An upstream whose chunks the test hands over one by one; it fails when aborted, as a real body does. */
function upstreamLeg() {
  const upstream = new AbortController();
  const pending: Array<(result: IteratorResult<ChatCompletionChunk>) => void> = [];
  let released = 0;
  const iterator: AsyncIterator<ChatCompletionChunk> = {
    next: () =>
      new Promise((resolve, reject) => {
        pending.push(resolve);
        upstream.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      }),
  };
  const leg: Leg = {
    target: { providerId: 'p', publicModel: 'm' } as RouteTarget,
    first: { done: false, value: chunk('first') },
    iterator,
    upstream,
    release: () => released++,
  };
  return { leg, upstream, send: (c: string) => pending.shift()!({ done: false, value: chunk(c) }), released: () => released };
}

function routing(counted: Usage[]): LegRouting {
  return {
    idleMs: () => 1_000,
    countTokens: (_target, usage) => counted.push(usage),
    continueAfter: () => Promise.reject(new Error('unexpected continuation')),
  };
}

describe('RoutedChunks', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ends with MODEL_TIMEOUT, aborting the upstream, when the model stays quiet past the idle limit', async () => {
    const { leg, upstream, released } = upstreamLeg();
    const counted: Usage[] = [];
    const sut = new RoutedChunks(leg, new AbortController().signal, routing(counted));
    expect((await sut.next()).value).toEqual(chunk('first'));
    const waiting = sut.next();
    const failed = expect(waiting).rejects.toMatchObject({ code: 'MODEL_TIMEOUT' });
    await jest.advanceTimersByTimeAsync(1_000);
    await failed;
    expect(upstream.signal.aborted).toBe(true);
    expect(counted).toEqual([{ completion_tokens: 2 }]);
    expect(released()).toBe(1);
  });

  it('gives every chunk its own idle limit, and does not count the time the reader takes between chunks', async () => {
    const { leg, upstream, send } = upstreamLeg();
    const sut = new RoutedChunks(leg, new AbortController().signal, routing([]));
    await sut.next();
    for (const c of ['a', 'b', 'c']) {
      const next = sut.next();
      await jest.advanceTimersByTimeAsync(900);
      send(c);
      expect((await next).value).toEqual(chunk(c));
      // A slow reader: longer than the idle limit before it asks again.
      await jest.advanceTimersByTimeAsync(1_500);
    }
    expect(upstream.signal.aborted).toBe(false);
  });

  it('aborts the upstream, counts the tokens seen and frees the slot once when the reader stops early', async () => {
    const { leg, upstream, released } = upstreamLeg();
    const counted: Usage[] = [];
    const client = new AbortController();
    const sut = new RoutedChunks(leg, client.signal, routing(counted));
    await sut.next();
    await sut.return();
    await sut.return();
    expect(upstream.signal.reason).toBeInstanceOf(BallastError);
    expect((upstream.signal.reason as BallastError).code).toBe('CLIENT_CLOSED_REQUEST');
    expect(counted).toEqual([{ completion_tokens: 2 }]);
    expect(released()).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
    expect(await sut.next()).toEqual({ done: true, value: undefined });
  });

  it('aborts the upstream with the client reason when the client leaves', async () => {
    const { leg, upstream } = upstreamLeg();
    const client = new AbortController();
    const sut = new RoutedChunks(leg, client.signal, routing([]));
    await sut.next();
    const waiting = sut.next();
    client.abort(new BallastError('CLIENT_CLOSED_REQUEST'));
    await expect(waiting).rejects.toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
    expect(upstream.signal.aborted).toBe(true);
  });
});
