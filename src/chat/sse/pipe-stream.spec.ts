import { BallastError } from '@ballast/errors';
import type { ChatCompletionChunk, RoutedStream } from '@ballast/models';
import { BallastMetrics } from '@ballast/observability';
import type { ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { pipeStream, StreamTracker } from './pipe-stream';
import { SseResponse } from './sse-response';

/** Just enough of a Node response to collect what an SSE stream writes. */
class WrittenResponse extends EventEmitter {
  text = '';
  destroyed = false;
  writable = true;
  status = () => this;
  setHeader = () => this;
  flushHeaders = () => undefined;
  cork = () => undefined;
  uncork = () => undefined;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  end(): void {
    this.writable = false;
  }
}

const chunk = (content: string) =>
  ({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  }) as ChatCompletionChunk;

describe('pipeStream', () => {
  it('ends a stream the shutdown cuts short with one SHUTTING_DOWN error event, counted as an error', async () => {
    let endStream: ((error: BallastError) => void) | undefined;
    const tracker: StreamTracker = {
      trackStream: (stream) => (endStream = (error) => stream.end(error)),
      untrackStream: () => (endStream = undefined),
    };
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    async function* chunks() {
      yield chunk('hello');
      await stalled;
      yield chunk(' world');
    }
    const res = new WrittenResponse();
    const sse = new SseResponse(res as unknown as ServerResponse, 'req-1', 60_000);
    const metrics = new BallastMetrics({ defaultMetrics: false });
    const routed = { chunks: chunks(), served: {}, attempts: 1, fallback: false } as unknown as RoutedStream;

    const piped = pipeStream(routed, sse, { tracker, clientWantsUsage: false, metrics, logger: pino({ level: 'silent' }) });
    await new Promise((resolve) => setImmediate(resolve));
    endStream!(new BallastError('SHUTTING_DOWN'));
    release();

    expect(await piped).toBe('error');
    expect(res.text).toMatch(/^event: error\n/m);
    expect(res.text).toContain('"code":"SHUTTING_DOWN"');
    expect(res.text).toContain('"partial":{"chunks":1,"characters":5}');
    expect(res.text).not.toContain('[DONE]');
    expect(endStream).toBeUndefined();
    expect((await metrics.errors.get()).values.find((v) => v.labels.code === 'SHUTTING_DOWN')?.value).toBe(1);
  });

  function setup() {
    const res = new WrittenResponse();
    const sse = new SseResponse(res as unknown as ServerResponse, 'req-1', 60_000);
    const metrics = new BallastMetrics({ defaultMetrics: false });
    const tracker: StreamTracker = { trackStream: () => undefined, untrackStream: () => undefined };
    const pipe = (chunks: AsyncIterable<ChatCompletionChunk>) =>
      pipeStream({ chunks, served: {}, attempts: 1, fallback: false } as unknown as RoutedStream, sse, {
        tracker,
        clientWantsUsage: false,
        metrics,
        logger: pino({ level: 'silent' }),
      });
    return { res, pipe };
  }

  /** An iterator over `items` (a BallastError is thrown from next()) that records whether return() was called. */
  function iterator(items: Array<ChatCompletionChunk | BallastError>) {
    const seen = { returned: false };
    const chunks: AsyncIterable<ChatCompletionChunk> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          const item = items.shift();
          if (item instanceof BallastError) {
            return Promise.reject(item);
          }
          return Promise.resolve(item ? { done: false, value: item } : { done: true, value: undefined });
        },
        return: () => {
          seen.returned = true;
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    };
    return { chunks, seen };
  }

  it('forwards every chunk and ends with [DONE], the usage-only chunk it asked for itself dropped', async () => {
    const { res, pipe } = setup();
    const usage = { ...chunk(''), choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } } as ChatCompletionChunk;
    const { chunks } = iterator([chunk('a'), chunk('b'), usage]);

    expect(await pipe(chunks)).toBe('done');
    expect(res.text.match(/^id: req-1:\d+$/gm)).toEqual(['id: req-1:0', 'id: req-1:1']);
    expect(res.text).not.toContain('prompt_tokens');
    expect(res.text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('stops reading once the client is gone, and tells the iterator (as break would)', async () => {
    const { res, pipe } = setup();
    const { chunks, seen } = iterator([chunk('a'), chunk('b')]);
    const write = res.write.bind(res);
    res.write = (text: string) => {
      res.writable = false; // the client leaves right after the first event
      return write(text);
    };

    expect(await pipe(chunks)).toBe('client_closed');
    expect(seen.returned).toBe(true);
    expect(res.text).not.toContain('[DONE]');
  });

  it('turns a failure after the first chunk into one error event with the progress, without calling return()', async () => {
    const { res, pipe } = setup();
    const { chunks, seen } = iterator([chunk('hey'), new BallastError('MODEL_TIMEOUT')]);

    expect(await pipe(chunks)).toBe('error');
    expect(seen.returned).toBe(false);
    expect(res.text).toContain('"code":"MODEL_TIMEOUT"');
    expect(res.text).toContain('"partial":{"chunks":1,"characters":3}');
  });
});
