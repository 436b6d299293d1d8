import { BallastError } from '@ballast/errors';
import type { ChatCompletionChunk, RoutedStream } from '@ballast/models';
import { BallastMetrics } from '@ballast/observability';
import type { Response } from 'express';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { pipeStream, StreamTracker } from './pipe-stream';
import { SseResponse } from './sse-response';

/** Just enough of an Express response to collect what an SSE stream writes. */
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
    const tracker: StreamTracker = { trackStream: (stream) => ((endStream = stream.end), () => (endStream = undefined)) };
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    async function* chunks() {
      yield chunk('hello');
      await stalled;
      yield chunk(' world');
    }
    const res = new WrittenResponse();
    const sse = new SseResponse(res as unknown as Response, 'req-1', 60_000);
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
});
