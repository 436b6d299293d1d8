import { BallastMetrics } from '@ballast/observability';
import type { CallContext } from '../ports/call-context';
import type { ChatCompletionChunk, ChatRequest } from '../ports/chat-model.port';
import { entryLabels } from './entry-labels';
import type { RouteTarget } from './route-target';

/** One upstream stream of a client's stream, opened: its first chunk in hand, its abort, its bulkhead slot. */
export interface Leg {
  target: RouteTarget;
  /** Taken (and cleared) by the stream that follows the leg: an open stream must not hold its first chunk. */
  first?: IteratorResult<ChatCompletionChunk>;
  iterator: AsyncIterator<ChatCompletionChunk>;
  upstream: AbortController;
  release(): void;
}

/** Sends the request and waits for the first chunk: what one attempt of the router (or a continuation) is. */
export async function openLeg(target: RouteTarget, request: ChatRequest, context: CallContext, metrics: BallastMetrics) {
  const upstream = new AbortController();
  const followAttempt = () => upstream.abort(context.signal.reason);
  context.signal.addEventListener('abort', followAttempt, { once: true });
  const sentAt = performance.now();
  const iterator = target.provider.chat!.stream(target.model, request, { ...context, signal: upstream.signal })[Symbol.asyncIterator]();
  try {
    const first = await iterator.next();
    if (upstream.signal.aborted) {
      throw upstream.signal.reason;
    }
    metrics.timeToFirstToken.observe(entryLabels(target).entry, (performance.now() - sentAt) / 1000);
    return { first, iterator, upstream };
  } catch (error) {
    upstream.abort(error);
    throw error;
  } finally {
    context.signal.removeEventListener('abort', followAttempt);
  }
}
