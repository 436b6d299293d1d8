import type { BallastError } from '@ballast/errors';
import type { BallastMetrics } from '@ballast/observability';
import { createParser, EventSourceMessage } from 'eventsource-parser';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { ChatCompletionChunk } from '../../ports/chat-model.port';
import { logExcerpt } from './log-excerpt';
import { upstreamError, UpstreamScope } from './upstream-error';

export interface SseScope extends UpstreamScope {
  requestId: string;
  maxEventChars: number;
  maxBadEvents: number;
  metrics: BallastMetrics;
  logger: Logger;
}

/** A chunk's `error` member or an `event: error`: the upstream failed mid-stream and said so. */
function streamFailure(event: EventSourceMessage, value: Record<string, unknown>, scope: UpstreamScope): BallastError {
  const inner = value.error as { code?: unknown; status?: unknown } | undefined;
  const said = Number(inner?.status ?? inner?.code);
  const status = Number.isInteger(said) && said >= 400 && said < 600 ? said : 500;
  return upstreamError({ kind: 'status', status, headers: {}, body: { text: event.data, cut: false } }, scope);
}

/**
 * The chunks of an upstream's SSE body, parsed by eventsource-parser as
 * they arrive. `[DONE]` ends them. An event that is not a JSON object is
 * skipped, counted and logged at warn (its bytes only at debug); one past
 * `maxBadEvents` ends the stream with UPSTREAM_BAD_RESPONSE, as does one
 * line or event longer than `maxEventChars` (the parser's buffer limit, so
 * a 100 MB line is never held).
 */
export async function* sseChunks(body: Readable, signal: AbortSignal, scope: SseScope): AsyncGenerator<ChatCompletionChunk> {
  const ready: ChatCompletionChunk[] = [];
  let failure: BallastError | undefined;
  let done = false;
  let badEvents = 0;
  const skip = (event: EventSourceMessage) => {
    badEvents++;
    scope.metrics.upstreamBadEvents.inc({ provider: scope.provider });
    scope.logger.warn(
      { provider: scope.provider, request_id: scope.requestId, bad_events: badEvents, event_chars: event.data.length },
      'skipped an upstream event that is not JSON',
    );
    if (scope.logger.isLevelEnabled('debug')) {
      scope.logger.debug({ provider: scope.provider, request_id: scope.requestId, excerpt: logExcerpt(event.data) }, 'the skipped event');
    }
    if (badEvents > scope.maxBadEvents) {
      failure = upstreamError(
        { kind: 'bad-response', reason: `more than ${scope.maxBadEvents} events that are not JSON in one stream` },
        scope,
      );
    }
  };
  const parser = createParser({
    maxBufferSize: scope.maxEventChars,
    onEvent: (event) => {
      if (done || failure) {
        return;
      }
      if (event.data === '[DONE]') {
        done = true;
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(event.data);
      } catch {
        return skip(event);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return skip(event);
      }
      const record = value as Record<string, unknown>;
      if (event.event === 'error' || (record.error !== undefined && record.error !== null)) {
        failure = streamFailure(event, record, scope);
        return;
      }
      ready.push(value as ChatCompletionChunk);
    },
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded' && !failure) {
        failure = upstreamError(
          { kind: 'bad-response', reason: `an SSE line or event longer than ${scope.maxEventChars} characters` },
          scope,
        );
      }
    },
  });
  body.setEncoding('utf8');
  // Leaving early (client gone, [DONE], a failure) destroys the body, which undici reports as an abort error: nothing to hear.
  body.on('error', () => undefined);
  try {
    for await (const text of body as AsyncIterable<string>) {
      parser.feed(text);
      for (let i = 0; i < ready.length; i++) {
        yield ready[i];
      }
      ready.length = 0;
      if (failure) {
        throw failure;
      }
      if (done) {
        return;
      }
    }
  } catch (error) {
    throw error === failure ? error : upstreamError({ kind: 'network', error, signal }, scope);
  }
}
