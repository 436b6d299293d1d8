import { BallastError } from '@ballast/errors';
import { BallastMetrics } from '@ballast/observability';
import type { CallContext } from '../ports/call-context';
import type { ChatCompletionChunk, ChatRequest } from '../ports/chat-model.port';
import type { RouteTarget } from './route-target';

type Usage = { prompt_tokens?: number; completion_tokens?: number } | null | undefined;

/** One upstream stream of a client's stream, opened: its first chunk in hand, its abort, its bulkhead slot. */
export interface Leg {
  target: RouteTarget;
  first: IteratorResult<ChatCompletionChunk>;
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
    metrics.timeToFirstToken.observe({ model: target.publicModel, provider: target.providerId }, (performance.now() - sentAt) / 1000);
    return { first, iterator, upstream };
  } catch (error) {
    upstream.abort(error);
    throw error;
  } finally {
    context.signal.removeEventListener('abort', followAttempt);
  }
}

/** A leg's chunks, each within the idle limit; the usage seen (or an estimate) goes to `count` once, however it ends. */
export async function* followUpstream(leg: Leg, idleMs: number, count: (usage: Usage) => void): AsyncGenerator<ChatCompletionChunk> {
  const { first, iterator, upstream } = leg;
  let usage: Usage;
  let characters = 0;
  let finished = false;
  const seen = (chunk: ChatCompletionChunk) => {
    usage = chunk.usage ?? usage;
    for (const choice of chunk.choices ?? []) {
      characters += choice.delta?.content?.length ?? 0;
    }
    return chunk;
  };
  try {
    if (first.done) {
      finished = true;
      return;
    }
    yield seen(first.value);
    for (;;) {
      const next = await nextWithin(iterator, idleMs, upstream);
      if (next.done) {
        finished = true;
        return;
      }
      yield seen(next.value);
    }
  } finally {
    if (!finished && !upstream.signal.aborted) {
      upstream.abort(new BallastError('CLIENT_CLOSED_REQUEST'));
    }
    // Cancelled and failed streams are paid for too: count what was seen.
    count(usage ?? { completion_tokens: Math.ceil(characters / 4) });
  }
}

/** The next chunk, or MODEL_TIMEOUT (aborting the upstream) when the model stays quiet too long. */
async function nextWithin(iterator: AsyncIterator<ChatCompletionChunk>, idleMs: number, upstream: AbortController) {
  const timer = setTimeout(
    () =>
      upstream.abort(
        new BallastError('MODEL_TIMEOUT', {
          detail: 'The model stopped sending for too long. Try again.',
          cause: new Error(`no chunk for ${idleMs} ms`),
        }),
      ),
    idleMs,
  );
  try {
    const next = await iterator.next();
    // The SDK ends an aborted stream quietly; an abort is never a normal end.
    if (upstream.signal.aborted) {
      throw upstream.signal.reason;
    }
    return next;
  } catch (error) {
    throw upstream.signal.aborted ? upstream.signal.reason : error;
  } finally {
    clearTimeout(timer);
  }
}
