import { BallastError, classifyError } from '@ballast/errors';
import type { ChatCompletionChunk, ChatRequest } from '../ports/chat-model.port';
import { describeTarget, RouteTarget } from './route-target';
import type { PartialAnswer } from './stream-continuation';
import type { Leg } from './stream-leg';

export type Usage = { prompt_tokens?: number; completion_tokens?: number } | null | undefined;

/** What following a stream needs from the routing: built once per ChatRouting, shared by every stream. */
export interface LegRouting {
  idleMs(target: RouteTarget): number;
  countTokens(target: RouteTarget, usage: Usage): void;
  /** The next leg after a failure, or undefined: the stream then ends with the ORIGINAL failure. */
  continueAfter(failed: Leg, failure: BallastError, plan: ContinuationPlan, client: AbortSignal): Promise<Leg | undefined>;
}

/** Only for a model that may continue: what a continuation needs (the request is kept for nothing else). */
export interface ContinuationPlan {
  partial: PartialAnswer;
  request: ChatRequest;
  deadlineAt: number;
  onContinue?: (entry: string) => Promise<void> | void;
}

const END: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The chunks of one client stream across its legs: the first leg's first
 * chunk, then each next one within the idle limit (MODEL_TIMEOUT, aborting
 * the upstream, when the model stays quiet too long), and after a failure
 * (opted in) a continuation on the next prefill entry. Per leg: the upstream
 * aborted when the client leaves or the reader stops early, the usage seen
 * (or an estimate) counted once however it ends, the slot released.
 *
 * One object with one idle timer (re-armed with `refresh()`) instead of
 * nested async generators and a new timer per chunk: it is held by every
 * open stream, and sits on every chunk's way to the client.
 */
export class RoutedChunks implements AsyncIterableIterator<ChatCompletionChunk> {
  private leg!: Leg;
  private first?: IteratorResult<ChatCompletionChunk>;
  private usage: Usage;
  private characters = 0;
  /** The leg ended normally: nothing to abort. */
  private legEnded = false;
  private closed = false;
  /** Waiting for the upstream's next chunk: only then does the idle limit run. */
  private waiting = false;
  private idle?: NodeJS.Timeout;

  constructor(
    leg: Leg,
    private readonly client: AbortSignal,
    private readonly routing: LegRouting,
    private readonly continuation?: ContinuationPlan,
  ) {
    this.enter(leg);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.closed) {
      return Promise.resolve(END);
    }
    const first = this.first;
    if (first) {
      this.first = undefined;
      return Promise.resolve(this.seen(first));
    }
    this.waiting = true;
    if (this.idle) {
      this.idle.refresh();
    } else {
      this.idle = setTimeout(this.onIdle, this.routing.idleMs(this.leg.target));
    }
    return this.leg.iterator.next().then(this.onChunk, this.onFailure);
  }

  /** The reader stopped early (client gone, write failed): the upstream is aborted, its tokens counted. */
  return(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (!this.closed) {
      this.closed = true;
      this.leave();
    }
    return Promise.resolve(END);
  }

  private enter(leg: Leg): void {
    this.leg = leg;
    this.first = leg.first;
    leg.first = undefined;
    this.usage = undefined;
    this.characters = 0;
    this.legEnded = false;
    this.client.addEventListener('abort', this.onClientGone, { once: true });
  }

  private seen(result: IteratorResult<ChatCompletionChunk>): IteratorResult<ChatCompletionChunk> {
    if (result.done) {
      this.legEnded = true;
      this.closed = true;
      this.leave();
      return END;
    }
    const chunk = result.value;
    this.usage = chunk.usage ?? this.usage;
    const choices = chunk.choices ?? [];
    for (let i = 0; i < choices.length; i++) {
      this.characters += choices[i].delta?.content?.length ?? 0;
    }
    this.continuation?.partial.add(chunk);
    return result;
  }

  private readonly onChunk = (result: IteratorResult<ChatCompletionChunk>): IteratorResult<ChatCompletionChunk> | Promise<never> => {
    this.waiting = false;
    // A provider may end an aborted stream quietly; an abort is never a normal end.
    if (this.leg.upstream.signal.aborted) {
      return this.onFailure(this.leg.upstream.signal.reason);
    }
    return this.seen(result);
  };

  private readonly onFailure = (thrown: unknown): Promise<never> => {
    this.waiting = false;
    const upstream = this.leg.upstream.signal;
    const failure: unknown = upstream.aborted ? upstream.reason : thrown;
    this.leave();
    return this.afterFailure(failure) as Promise<never>;
  };

  private async afterFailure(failure: unknown): Promise<IteratorResult<ChatCompletionChunk>> {
    const plan = this.continuation;
    const failed = this.leg;
    const next = plan && (await this.routing.continueAfter(failed, classifyError(failure), plan, this.client));
    if (!next) {
      this.closed = true;
      throw failure;
    }
    await plan.onContinue?.(describeTarget(next.target));
    this.enter(next);
    return this.next();
  }

  private leave(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
    this.client.removeEventListener('abort', this.onClientGone);
    const { upstream, target } = this.leg;
    if (!this.legEnded && !upstream.signal.aborted) {
      upstream.abort(new BallastError('CLIENT_CLOSED_REQUEST'));
    }
    // Cancelled and failed streams are paid for too: count what was seen.
    this.routing.countTokens(target, this.usage ?? { completion_tokens: Math.ceil(this.characters / 4) });
    this.leg.release();
  }

  private readonly onIdle = (): void => {
    if (this.waiting) {
      const idleMs = this.routing.idleMs(this.leg.target);
      this.leg.upstream.abort(
        new BallastError('MODEL_TIMEOUT', {
          detail: 'The model stopped sending for too long. Try again.',
          cause: new Error(`no chunk for ${idleMs} ms`),
        }),
      );
    }
  };

  private readonly onClientGone = (): void => this.leg.upstream.abort(this.client.reason);
}
