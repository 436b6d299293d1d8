import { BallastError, classifyError } from '@ballast/errors';
import type { ChatCompletionChunk, RoutedStream } from '@ballast/models';
import { BallastMetrics, requestContext } from '@ballast/observability';
import type { Logger } from 'pino';
import { SseResponse, StreamPartial } from './sse-response';

export interface PipeOptions {
  /** Counts of what reached the client so far, readable from outside (shutdown ends streams with them). */
  progress: StreamPartial;
  /** The client asked for usage (stream_options.include_usage); otherwise the usage-only chunk is ours and dropped. */
  clientWantsUsage: boolean;
  metrics: BallastMetrics;
  logger: Logger;
}

type StreamOutcome = 'done' | 'error' | 'client_closed';

/** Forwards every chunk as it arrives, ends with [DONE], or turns a failure into one error event. */
export async function pipeStream(routed: RoutedStream, sse: SseResponse, options: PipeOptions): Promise<StreamOutcome> {
  const { metrics, progress } = options;
  metrics.sseStreamsActive.inc();
  let outcome: StreamOutcome = 'done';
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
      await sse.event(forwarded);
    }
    if (sse.writable) {
      sse.done();
    } else {
      outcome = 'client_closed';
    }
  } catch (thrown) {
    const error = classifyError(thrown);
    if (error.code === 'CLIENT_CLOSED_REQUEST' || !sse.writable) {
      outcome = 'client_closed';
    } else {
      outcome = 'error';
      fail(sse, error, { ...progress }, options);
    }
  } finally {
    sse.end();
    metrics.sseStreamsActive.dec();
    metrics.sseStreams.inc({ outcome });
  }
  return outcome;
}

function fail(sse: SseResponse, error: BallastError, partial: { chunks: number; characters: number }, options: PipeOptions): void {
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
