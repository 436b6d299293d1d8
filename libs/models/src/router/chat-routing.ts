import { BallastError } from '@ballast/errors';
import { BallastMetrics, requestContext } from '@ballast/observability';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../ports/chat-model.port';
import type { ModelRouter, RouteOptions } from './model-router';
import type { Routed, RouteTarget } from './route-target';

export interface RoutedStream extends Omit<Routed<void>, 'value'> {
  /** Every chunk in order, the first included; ends, throws a BallastError, or stops when the client leaves. */
  chunks: AsyncIterable<ChatCompletionChunk>;
}

type Usage = { prompt_tokens?: number; completion_tokens?: number } | null | undefined;

/** Chat over the router: retries and fallback until an answer (or a first chunk) has been handed on. */
export class ChatRouting {
  constructor(
    private readonly router: ModelRouter,
    private readonly metrics: BallastMetrics,
  ) {}

  async complete(publicModel: string, request: ChatRequest, options: RouteOptions = {}): Promise<Routed<ChatCompletion>> {
    const routed = await this.router.run(
      publicModel,
      'chat',
      (target, context) => target.provider.chat!.complete(target.model, request, context),
      options,
    );
    this.countTokens(routed.served, routed.value.usage);
    return routed;
  }

  async stream(publicModel: string, request: ChatRequest, options: RouteOptions = {}): Promise<RoutedStream> {
    const client = options.signal ?? requestContext.current()?.signal ?? new AbortController().signal;
    const routed = await this.router.run(
      publicModel,
      'chat',
      async (target, context) => {
        const upstream = new AbortController();
        const followAttempt = () => upstream.abort(context.signal.reason);
        context.signal.addEventListener('abort', followAttempt, { once: true });
        const sentAt = performance.now();
        const iterator = target.provider
          .chat!.stream(target.model, request, { ...context, signal: upstream.signal })
          [Symbol.asyncIterator]();
        try {
          const first = await iterator.next();
          if (upstream.signal.aborted) {
            throw upstream.signal.reason;
          }
          this.metrics.timeToFirstToken.observe(
            { model: target.publicModel, provider: target.providerId },
            (performance.now() - sentAt) / 1000,
          );
          return { first, iterator, upstream };
        } catch (error) {
          upstream.abort(error);
          throw error;
        } finally {
          context.signal.removeEventListener('abort', followAttempt);
        }
      },
      {
        ...options,
        signal: client,
        holdSlot: true,
        attemptTimeoutMs: (policy) => policy.resilience.firstChunkTimeoutMs,
        // The loser of a hedge that sent its first chunk too late: close its upstream.
        discard: (late) => (late as { upstream: AbortController }).upstream.abort(new BallastError('CLIENT_CLOSED_REQUEST')),
      },
    );
    const idleMs = this.router.policies.get(routed.served.providerId)!.resilience.idleTimeoutMs;
    const { first, iterator, upstream } = routed.value;
    const onClientGone = () => upstream.abort(client.reason);
    client.addEventListener('abort', onClientGone, { once: true });
    const done = () => {
      client.removeEventListener('abort', onClientGone);
      routed.release();
    };
    return {
      served: routed.served,
      attempts: routed.attempts,
      fallback: routed.fallback,
      chunks: this.follow(routed.served, first, iterator, upstream, idleMs, done),
    };
  }

  private async *follow(
    target: RouteTarget,
    first: IteratorResult<ChatCompletionChunk>,
    iterator: AsyncIterator<ChatCompletionChunk>,
    upstream: AbortController,
    idleMs: number,
    done: () => void,
  ): AsyncGenerator<ChatCompletionChunk> {
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
      this.countTokens(target, usage ?? { completion_tokens: Math.ceil(characters / 4) });
      done();
    }
  }

  private countTokens(target: RouteTarget, usage: Usage): void {
    const labels = { model: target.publicModel, provider: target.providerId };
    if (usage?.prompt_tokens) {
      this.metrics.tokens.inc({ ...labels, kind: 'prompt' }, usage.prompt_tokens);
    }
    if (usage?.completion_tokens) {
      this.metrics.tokens.inc({ ...labels, kind: 'completion' }, usage.completion_tokens);
    }
    requestContext.note({ usage: usage ?? undefined });
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
