import { BallastError } from '@ballast/errors';
import type { BallastMetrics } from '@ballast/observability';
import type { EventSourceMessage } from 'eventsource-parser';
import type { Logger } from 'pino';
import type { ChatCompletionChunk } from '../../ports/chat-model.port';
import { logExcerpt } from './log-excerpt';
import { upstreamError, UpstreamScope } from './upstream-error';

/** What every stream of one provider shares: built once per provider, never per stream. */
export interface SseScope extends UpstreamScope {
  maxEventChars: number;
  maxBadEvents: number;
  metrics: BallastMetrics;
  logger: Logger;
}

/** What one SSE event of an upstream stream says: a chunk, the end, the upstream's own failure, or nothing usable. */
export type SseEventMeaning = ChatCompletionChunk | BallastError | 'done' | 'not-json';

/** A chunk's `error` member or an `event: error`: the upstream failed mid-stream and said so. */
function streamFailure(event: EventSourceMessage, value: Record<string, unknown>, scope: UpstreamScope): BallastError {
  const inner = value.error as { code?: unknown; status?: unknown } | undefined;
  const said = Number(inner?.status ?? inner?.code);
  const status = Number.isInteger(said) && said >= 400 && said < 600 ? said : 500;
  return upstreamError({ kind: 'status', status, headers: {}, body: { text: event.data, cut: false } }, scope);
}

export function readSseEvent(event: EventSourceMessage, scope: UpstreamScope): SseEventMeaning {
  if (event.data === '[DONE]') {
    return 'done';
  }
  let value: unknown;
  try {
    value = JSON.parse(event.data);
  } catch {
    return 'not-json';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'not-json';
  }
  const record = value as Record<string, unknown>;
  if (event.event === 'error' || (record.error !== undefined && record.error !== null)) {
    return streamFailure(event, record, scope);
  }
  return value as ChatCompletionChunk;
}

/**
 * A skipped event, the `badEvents`-th of its stream: counted and logged at
 * warn (its bytes only at debug). One past `maxBadEvents` is the stream's
 * end: UPSTREAM_BAD_RESPONSE.
 */
export function skippedEvent(event: EventSourceMessage, badEvents: number, scope: SseScope, requestId: string): BallastError | undefined {
  scope.metrics.upstreamBadEvents.inc({ provider: scope.provider });
  scope.logger.warn(
    { provider: scope.provider, request_id: requestId, bad_events: badEvents, event_chars: event.data.length },
    'skipped an upstream event that is not JSON',
  );
  if (scope.logger.isLevelEnabled('debug')) {
    scope.logger.debug({ provider: scope.provider, request_id: requestId, excerpt: logExcerpt(event.data) }, 'the skipped event');
  }
  return badEvents > scope.maxBadEvents
    ? upstreamError({ kind: 'bad-response', reason: `more than ${scope.maxBadEvents} events that are not JSON in one stream` }, scope)
    : undefined;
}
