import { BallastError, classifyError } from '@ballast/errors';
import type { ChatCompletionChunk, RoutedStream } from '@ballast/models';
import { BallastMetrics, requestContext } from '@ballast/observability';
import type { Logger } from 'pino';
import type { StreamPartial } from './sse-frames';
import type { SseSink } from './sse-sink';

/** Where an open stream registers so that a shutdown can end it (ShutdownCoordinator). */
export interface StreamTracker {
  trackStream(stream: { end(error: BallastError): void }): () => void;
}

export interface PipeOptions {
  tracker: StreamTracker;
  /** The client asked for usage (stream_options.include_usage); otherwise the usage-only chunk is ours and dropped. */
  clientWantsUsage: boolean;
  metrics: BallastMetrics;
  logger: Logger;
}

type StreamOutcome = 'done' | 'error' | 'client_closed';

/** Forwards every chunk as it arrives, ends with [DONE], or turns a failure into one error event. */
export async function pipeStream(routed: RoutedStream, sse: SseSink, options: PipeOptions): Promise<StreamOutcome> {
  const { metrics } = options;
  const progress: StreamPartial = { chunks: 0, characters: 0 };
  // Widened on purpose: the shutdown callback may set it while the loop awaits.
  let outcome = 'done' as StreamOutcome;
  // A stream still open when the shutdown grace runs out ends with an error event, not a cut.
  const untrack = options.tracker.trackStream({
    end: (error) => {
      outcome = 'error';
      fail(sse, error, { ...progress }, options);
    },
  });
  metrics.sseStreamsActive.inc();
  try {
    for await (const chunk of routed.chunks) {
      if (!sse.writable) {
        break;
      }
      const forwarded = options.clientWantsUsage ? chunk : withoutUsage(chunk);
      if (!forwarded) {
        continue;
      }
      progress.chunks++;
      for (const choice of chunk.choices ?? []) {
        progress.characters += choice.delta?.content?.length ?? 0;
      }
      const behind = sse.event(forwarded);
      if (behind) {
        await behind;
      }
    }
    if (sse.writable) {
      sse.done();
    } else if (outcome !== 'error') {
      outcome = 'client_closed';
    }
  } catch (thrown) {
    const error = classifyError(thrown);
    if (outcome === 'error') {
      // Already ended by the shutdown; what the upstream did afterwards no longer matters.
    } else if (error.code === 'CLIENT_CLOSED_REQUEST' || !sse.writable) {
      outcome = 'client_closed';
    } else {
      outcome = 'error';
      fail(sse, error, { ...progress }, options);
    }
  } finally {
    untrack();
    sse.end();
    metrics.sseStreamsActive.dec();
    metrics.sseStreams.inc({ outcome });
  }
  return outcome;
}

function fail(sse: SseSink, error: BallastError, partial: { chunks: number; characters: number }, options: PipeOptions): void {
  requestContext.note({ code: error.code });
  options.metrics.errors.inc({ code: error.code });
  options.logger.error({ code: error.code, partial, err: error.cause ?? error, upstream: error.upstream }, 'stream failed after it began');
  sse.fail(error, partial);
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
