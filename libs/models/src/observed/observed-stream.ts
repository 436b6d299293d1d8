import { BallastError } from '@ballast/errors';
import type { Attributes } from '@opentelemetry/api';
import type { ModelAttempt } from '@ballast/observability';
import type { ChatCompletionChunk } from '../ports/chat-model.port';
import { capturedOutput } from './captured-content';
import { StreamFacts } from './chat-attributes';

const END: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A provider's stream seen by its attempt: the first chunk's time, the
 * facts for the span (where there is one), and the attempt ended once
 * however the stream ends.
 * A wrapper object rather than an async generator: one `then` per chunk,
 * and no suspended frame holding the request for the stream's life.
 */
export class ObservedStream implements AsyncIterableIterator<ChatCompletionChunk> {
  private readonly inner: AsyncIterator<ChatCompletionChunk>;

  constructor(
    inner: AsyncIterable<ChatCompletionChunk>,
    private readonly attempt: ModelAttempt,
    private readonly signal: AbortSignal,
    /** Undefined with tracing off: nothing would read them. */
    private readonly facts: StreamFacts | undefined,
  ) {
    this.inner = inner[Symbol.asyncIterator]();
    // A reader that leaves may never call next() again: the abort ends the attempt instead.
    signal.addEventListener('abort', this.abandoned, { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ChatCompletionChunk>> {
    return this.inner.next().then(this.seen, this.failed);
  }

  /** Stopped early by its reader: not a failure of the upstream, but not a full answer either. */
  return(): Promise<IteratorResult<ChatCompletionChunk>> {
    this.settle();
    this.attempt.failed(this.signal.aborted ? this.signal.reason : new BallastError('CLIENT_CLOSED_REQUEST'), this.outcome());
    return this.inner.return ? this.inner.return().then(() => END) : Promise.resolve(END);
  }

  private readonly seen = (result: IteratorResult<ChatCompletionChunk>): IteratorResult<ChatCompletionChunk> => {
    if (result.done) {
      this.settle();
      this.attempt.succeeded(this.outcome());
    } else {
      this.attempt.firstChunk();
      this.facts?.seen(result.value);
    }
    return result;
  };

  private readonly failed = (error: unknown): never => {
    this.settle();
    this.attempt.failed(this.signal.aborted ? this.signal.reason : error, this.outcome());
    throw error;
  };

  private readonly abandoned = (): void => this.attempt.failed(this.signal.reason, this.outcome());

  private settle(): void {
    this.signal.removeEventListener('abort', this.abandoned);
  }

  private outcome(): Attributes | undefined {
    const { facts } = this;
    if (!facts) {
      return undefined;
    }
    return { ...facts.attributes(), ...(facts.text !== undefined ? capturedOutput(facts.text, facts.finishReasons[0]) : {}) };
  }
}
