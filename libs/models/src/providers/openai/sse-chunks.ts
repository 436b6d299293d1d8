import { BallastError } from '@ballast/errors';
import { createParser, EventSourceMessage, EventSourceParser } from 'eventsource-parser';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ChatCompletionChunk } from '../../ports/chat-model.port';
import { readSseEvent, SseScope, skippedEvent } from './sse-event';
import { upstreamError } from './upstream-error';

export type { SseScope } from './sse-event';

/** What is read after `[DONE]` for the connection to be reused, at most; past that it is closed instead. */
const DRAIN_BYTES = 64 * 1024;
const DRAIN_MS = 1_000;

const END: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The chunks of an upstream's SSE body, parsed by eventsource-parser as
 * they arrive. `[DONE]` ends them. An event that is not a JSON object is
 * skipped, counted and logged at warn (its bytes only at debug); one past
 * `maxBadEvents` ends the stream with UPSTREAM_BAD_RESPONSE, as does one
 * line or event longer than `maxEventChars` (the parser's buffer limit, so
 * a 100 MB line is never held).
 *
 * Hand-written rather than an async generator over the body's own async
 * iterator: an open stream is held by thousands at once, and each of those
 * layers kept a suspended frame, its promises and closures per stream and
 * made several promise hops per chunk. Here the body's reads feed the
 * parser, parsed chunks wait in a queue (the body pauses while it is not
 * empty, so a slow reader slows the upstream, not our memory), and `next()`
 * takes from it: one promise per chunk.
 */
export class SseChunkStream implements AsyncIterableIterator<ChatCompletionChunk> {
  private readonly ready: ChatCompletionChunk[] = [];
  private head = 0;
  private failure?: BallastError;
  /** `[DONE]` seen, or the body ended. */
  private done = false;
  /** Nothing more to hand out: the end or the failure was handed out, or the reader left. */
  private closed = false;
  private badEvents = 0;
  private body?: Readable;
  private readonly parser: EventSourceParser;
  private resolveWait?: (result: IteratorResult<ChatCompletionChunk>) => void;
  private rejectWait?: (error: unknown) => void;

  constructor(
    /** Sends the request; called on the first `next()`, then dropped (with the request it holds). */
    private open: (() => Promise<Readable>) | undefined,
    private readonly signal: AbortSignal,
    private readonly scope: SseScope,
    private readonly requestId: string,
  ) {
    this.parser = createParser({
      maxBufferSize: scope.maxEventChars,
      onEvent: (event) => this.onEvent(event),
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded' && !this.failure) {
          this.failure = upstreamError(
            { kind: 'bad-response', reason: `an SSE line or event longer than ${scope.maxEventChars} characters` },
            scope,
          );
        }
      },
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.open) {
      const open = this.open;
      this.open = undefined;
      return open().then((body) => {
        this.attach(body);
        return this.next();
      });
    }
    if (this.head < this.ready.length) {
      return Promise.resolve({ done: false, value: this.shift() });
    }
    if (this.closed) {
      return Promise.resolve(END);
    }
    if (this.failure) {
      this.close();
      return Promise.reject(this.failure);
    }
    if (this.done) {
      this.close();
      return Promise.resolve(END);
    }
    return new Promise((resolve, reject) => {
      this.resolveWait = resolve;
      this.rejectWait = reject;
    });
  }

  /** The reader left early: the body is destroyed, the connection let go. */
  return(): Promise<IteratorResult<ChatCompletionChunk>> {
    this.open = undefined;
    this.close();
    return Promise.resolve(END);
  }

  private attach(body: Readable): void {
    this.body = body;
    body.setEncoding('utf8');
    // Leaving early (client gone, [DONE], a failure) destroys the body, which undici reports as an abort error: nothing to hear then.
    body.on('error', (error: unknown) => {
      if (!this.closed && !this.done && !this.failure) {
        this.failure = upstreamError({ kind: 'network', error, signal: this.signal }, this.scope);
        this.wake();
      }
    });
    body.on('end', () => {
      this.done = true;
      this.wake();
    });
    body.on('data', (text: string) => {
      this.parser.feed(text);
      this.wake();
    });
  }

  /** Hands the reader waiting in `next()` what there is; with nobody waiting, holds the body until someone is. */
  private wake(): void {
    const resolve = this.resolveWait;
    const pending = this.head < this.ready.length;
    if (!resolve) {
      if (pending || this.failure) {
        this.body?.pause();
      }
      return;
    }
    const reject = this.rejectWait!;
    if (pending) {
      this.resolveWait = this.rejectWait = undefined;
      resolve({ done: false, value: this.shift() });
      if (this.head < this.ready.length) {
        this.body?.pause();
      }
    } else if (this.failure) {
      this.resolveWait = this.rejectWait = undefined;
      this.close();
      reject(this.failure);
    } else if (this.done) {
      this.resolveWait = this.rejectWait = undefined;
      this.close();
      resolve(END);
    }
  }

  /** The next queued chunk; the body reads on once the queue is empty. */
  private shift(): ChatCompletionChunk {
    const value = this.ready[this.head++];
    if (this.head === this.ready.length) {
      this.ready.length = 0;
      this.head = 0;
      if (!this.done && !this.failure) {
        this.body?.resume();
      }
    }
    return value;
  }

  private close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.ready.length = 0;
    this.head = 0;
    const body = this.body as (Readable & Partial<Pick<Dispatcher.ResponseData['body'], 'dump'>>) | undefined;
    if (!body || body.readableEnded) {
      return;
    }
    if (this.done && !this.failure && body.dump) {
      // After [DONE] the end of the body is usually in the same read: read it (bounded) so the connection is kept
      // for the next request; destroying it here cost every stream a new upstream connection.
      const guard = setTimeout(() => body.destroy(), DRAIN_MS).unref();
      body
        .dump({ limit: DRAIN_BYTES })
        .catch(() => undefined)
        .finally(() => clearTimeout(guard));
    } else {
      body.destroy();
    }
  }

  private onEvent(event: EventSourceMessage): void {
    if (this.done || this.failure) {
      return;
    }
    const meaning = readSseEvent(event, this.scope);
    if (meaning === 'done') {
      this.done = true;
    } else if (meaning === 'not-json') {
      this.failure = skippedEvent(event, ++this.badEvents, this.scope, this.requestId);
    } else if (meaning instanceof BallastError) {
      this.failure = meaning;
    } else {
      this.ready.push(meaning);
    }
  }
}

/** The chunks of an SSE body already in hand. */
export function sseChunks(body: Readable, signal: AbortSignal, scope: SseScope, requestId: string): SseChunkStream {
  return new SseChunkStream(() => Promise.resolve(body), signal, scope, requestId);
}
