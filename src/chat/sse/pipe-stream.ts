import { BallastError, classifyError } from '@ballast/errors';
import type { ChatCompletionChunk, RoutedStream } from '@ballast/models';
import { BallastMetrics, requestContext } from '@ballast/observability';
import type { Logger } from 'pino';
import type { StreamPartial } from './sse-frames';
import type { SseSink } from './sse-sink';

/** Where an open stream registers so that a shutdown can end it (ShutdownCoordinator). */
export interface StreamTracker {
  trackStream(stream: { end(error: BallastError): void }): void;
  untrackStream(stream: { end(error: BallastError): void }): void;
}

export interface PipeOptions {
  tracker: StreamTracker;
  /** The client asked for usage (stream_options.include_usage); otherwise the usage-only chunk is ours and dropped. */
  clientWantsUsage: boolean;
  metrics: BallastMetrics;
  logger: Logger;
}

export type StreamOutcome = 'done' | 'error' | 'client_closed';

/** Forwards every chunk as it arrives, ends with [DONE], or turns a failure into one error event. */
export function pipeStream(routed: RoutedStream, sse: SseSink, options: PipeOptions): Promise<StreamOutcome> {
  return new Promise((resolve, reject) => new StreamPipe(sse, options, resolve, reject).start(routed.chunks));
}

/**
 * pipeStream's loop, hand-written rather than an async function's `for
 * await`: an open stream sits in it for its whole life, and the suspended
 * frame kept its registers (the last chunk among them), its promises and
 * closures per stream. Here the state is a few fields and one `then` per
 * chunk, with for-await's semantics: leaving early (the client gone, a
 * throw in the body) calls the iterator's `return()`, a failure of its
 * `next()` does not.
 */
class StreamPipe {
  private chunks!: AsyncIterator<ChatCompletionChunk>;
  private readonly progress: StreamPartial = { chunks: 0, characters: 0 };
  private outcome: StreamOutcome = 'done';

  constructor(
    private readonly sse: SseSink,
    private readonly options: PipeOptions,
    private readonly resolve: (outcome: StreamOutcome) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    // A stream still open when the shutdown grace runs out ends with an error event, not a cut.
    options.tracker.trackStream(this);
    options.metrics.sseStreamsActive.inc();
  }

  start(chunks: AsyncIterable<ChatCompletionChunk>): void {
    try {
      this.chunks = chunks[Symbol.asyncIterator]();
    } catch (thrown) {
      this.onFailure(thrown);
      return;
    }
    this.pull();
  }

  /** Called by the shutdown: one error event with the progress so far. */
  end(error: BallastError): void {
    this.outcome = 'error';
    this.fail(error);
  }

  private pull(): void {
    let next: Promise<IteratorResult<ChatCompletionChunk>>;
    try {
      next = this.chunks.next();
    } catch (thrown) {
      this.onFailure(thrown);
      return;
    }
    void next.then(this.onResult, this.onFailure);
  }

  private readonly onResult = (result: IteratorResult<ChatCompletionChunk>): void => {
    let behind: Promise<void> | undefined;
    try {
      if (result.done) {
        this.ended();
        return;
      }
      if (!this.sse.writable) {
        this.leave();
        return;
      }
      behind = this.forward(result.value);
    } catch (thrown) {
      this.leave({ thrown });
      return;
    }
    if (behind) {
      behind.then(
        () => this.pull(),
        (thrown: unknown) => this.leave({ thrown }),
      );
    } else {
      this.pull();
    }
  };

  /** The chunk to the client, when it is one for the client; a promise only when the reader is behind. */
  private forward(chunk: ChatCompletionChunk): Promise<void> | undefined {
    const forwarded = this.options.clientWantsUsage ? chunk : withoutUsage(chunk);
    if (!forwarded) {
      return undefined;
    }
    const { progress } = this;
    progress.chunks++;
    for (const choice of chunk.choices ?? []) {
      progress.characters += choice.delta?.content?.length ?? 0;
    }
    return this.sse.event(forwarded);
  }

  /** Stops reading early, as `break` (or a throw in the loop's body) would: the iterator's `return()` first. */
  private leave(stopped?: { thrown: unknown }): void {
    let returned: unknown;
    try {
      returned = this.chunks.return?.();
    } catch (error) {
      this.onFailure(stopped ? stopped.thrown : error);
      return;
    }
    // A throw in the body wins over whatever return() does.
    Promise.resolve(returned).then(
      () => (stopped ? this.onFailure(stopped.thrown) : this.ended()),
      (error: unknown) => this.onFailure(stopped ? stopped.thrown : error),
    );
  }

  /** The loop is over without a failure: [DONE] if the client is still there. */
  private ended(): void {
    try {
      if (this.sse.writable) {
        this.sse.done();
      } else if (this.outcome !== 'error') {
        this.outcome = 'client_closed';
      }
    } catch (thrown) {
      this.onFailure(thrown);
      return;
    }
    this.finish();
  }

  private readonly onFailure = (thrown: unknown): void => {
    let failed: { error: unknown } | undefined;
    try {
      const error = classifyError(thrown);
      if (this.outcome === 'error') {
        // Already ended by the shutdown; what the upstream did afterwards no longer matters.
      } else if (error.code === 'CLIENT_CLOSED_REQUEST' || !this.sse.writable) {
        this.outcome = 'client_closed';
      } else {
        this.outcome = 'error';
        this.fail(error);
      }
    } catch (error) {
      failed = { error };
    }
    this.finish(failed);
  };

  private fail(error: BallastError): void {
    const partial = { ...this.progress };
    const { metrics, logger } = this.options;
    requestContext.note({ code: error.code });
    metrics.errors.inc({ code: error.code });
    logger.error({ code: error.code, partial, err: error.cause ?? error, upstream: error.upstream }, 'stream failed after it began');
    this.sse.fail(error, partial);
  }

  /** However the stream ended: untracked, its response ended, counted; then the outcome (or what went wrong here). */
  private finish(failed?: { error: unknown }): void {
    const { metrics } = this.options;
    try {
      this.options.tracker.untrackStream(this);
      this.sse.end();
      metrics.sseStreamsActive.dec();
      metrics.sseStreams.inc({ outcome: this.outcome });
    } catch (error) {
      this.reject(error);
      return;
    }
    if (failed) {
      this.reject(failed.error);
    } else {
      this.resolve(this.outcome);
    }
  }
}

/** Ballast always asks upstream for usage (to count tokens); a client that did not ask must not see it. */
function withoutUsage(chunk: ChatCompletionChunk): ChatCompletionChunk | undefined {
  if (!chunk.usage) {
    return chunk;
  }
  if ((chunk.choices ?? []).length === 0) {
    return undefined;
  }
  const { usage: _usage, ...rest } = chunk;
  return rest as ChatCompletionChunk;
}
