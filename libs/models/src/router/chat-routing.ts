import { BallastError, classifyError } from '@ballast/errors';
import { BallastMetrics, requestContext, traceEvent } from '@ballast/observability';
import { type BulkheadSlot, clientSideOf, Deadline } from '@ballast/resilience';
import type { Logger } from 'pino';
import type { ModelsConfig } from '../config/models-file.schema';
import { callContextFor } from './call-context-for';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../ports/chat-model.port';
import type { ModelRouter, RouteOptions } from './model-router';
import { describeTarget, Routed, RouteTarget } from './route-target';
import { ContinuationPolicy, continuationRequest, PartialAnswer } from './stream-continuation';
import { ContinuationPlan, LegRouting, RoutedChunks } from './routed-chunks';
import { entryLabels } from './entry-labels';
import { Leg, openLeg } from './stream-leg';

export interface RoutedStream extends Omit<Routed<void>, 'value'> {
  /** Every chunk in order, the first included; ends, throws a BallastError, or stops when the client leaves. */
  chunks: AsyncIterable<ChatCompletionChunk>;
}

export interface StreamOptions extends RouteOptions {
  /** Called at a continuation, before its first chunk is handed on (the SSE layer writes `: continued <entry>`). */
  onContinue?: (entry: string) => Promise<void> | void;
}

export interface ChatRoutingOptions {
  models: ModelsConfig;
  requestTimeoutMs: number;
  logger: Logger;
}

type Usage = { prompt_tokens?: number; completion_tokens?: number } | null | undefined;

/** Chat over the router: retries and fallback until an answer (or a first chunk) has been handed on, then continuation. */
export class ChatRouting {
  private readonly continuation: ContinuationPolicy;
  /** What every stream's RoutedChunks asks of the routing: one object for all of them. */
  private readonly legs: LegRouting;

  constructor(
    private readonly router: ModelRouter,
    private readonly metrics: BallastMetrics,
    private readonly options: ChatRoutingOptions,
  ) {
    this.continuation = new ContinuationPolicy(options.models.models);
    this.legs = {
      idleMs: (target) => this.router.policies.get(target.providerId)!.resilience.idleTimeoutMs,
      countTokens: (target, usage) => this.countTokens(target, usage),
      continueAfter: (...args) => this.continueAfter(...args),
    };
    // Series that exist from the start, so rate()/increase() see the first continuation too.
    for (const [model, config] of Object.entries(options.models.models)) {
      for (const outcome of config.continueOnFailure ? ['continued', 'refused', 'failed'] : []) {
        metrics.streamContinuations.inc({ model, outcome }, 0);
      }
    }
  }

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

  async stream(publicModel: string, request: ChatRequest, options: StreamOptions = {}): Promise<RoutedStream> {
    const client = options.signal ?? requestContext.current()?.client.signal ?? new AbortController().signal;
    const deadlineAt = Date.now() + this.options.requestTimeoutMs;
    const routed = await this.router.run(publicModel, 'chat', (target, context) => openLeg(target, request, context, this.metrics), {
      // The caller's signal if it gave one; else the router follows the request's client presence itself, with no
      // signal adapted back for every attempt (the stream's chunks take the presence's signal, below).
      ...options,
      holdSlot: true,
      attemptTimeoutMs: (policy) => policy.resilience.firstChunkTimeoutMs,
      // The loser of a hedge that sent its first chunk too late: close its upstream.
      discard: (late) => (late as { upstream: AbortController }).upstream.abort(new BallastError('CLIENT_CLOSED_REQUEST')),
    });
    const leg: Leg = { target: routed.served, ...routed.value, release: routed.release };
    // Only a model that may continue pays for remembering the answer so far (and keeps the request for it).
    const continuation = this.continuation.enabled(leg.target.publicModel)
      ? { partial: new PartialAnswer(), request, deadlineAt, onContinue: options.onContinue }
      : undefined;
    return {
      served: routed.served,
      attempts: routed.attempts,
      fallback: routed.fallback,
      chunks: new RoutedChunks(leg, client, this.legs, continuation),
    };
  }

  /** The next leg, or undefined (the stream then ends with the ORIGINAL failure): never a second error masking the first. */
  private async continueAfter(failed: Leg, failure: BallastError, plan: ContinuationPlan, client: AbortSignal): Promise<Leg | undefined> {
    const model = failed.target.publicModel;
    const { partial } = plan;
    if (failure.code === 'CLIENT_CLOSED_REQUEST') {
      return undefined;
    }
    const route = this.router.route(model);
    const candidates = this.continuation
      .candidates(route, failed.target)
      .filter((target) => this.router.policies.get(target.providerId)!.availability === 'available');
    const refusal = this.continuation.refusal(partial, candidates, Date.now(), plan.deadlineAt, client.aborted);
    // One span event per outcome, like the metric (the SSE stream shows `: continued <entry>` itself).
    const event = (outcome: 'continued' | 'refused' | 'failed', attributes: Record<string, string | number | undefined>) =>
      traceEvent('ballast.continuation', {
        'ballast.continuation.outcome': outcome,
        'ballast.fallback.from': describeTarget(failed.target),
        'ballast.error.code': failure.code,
        'ballast.continuation.characters': partial.text.length,
        ...attributes,
      });
    if (refusal) {
      event('refused', { 'ballast.continuation.refusal': refusal });
      this.metrics.streamContinuations.inc({ model, outcome: 'refused' });
      this.options.logger.warn({ model: describeTarget(failed.target), code: failure.code, refusal }, 'stream failed; not continued');
      return undefined;
    }
    const continued = continuationRequest(plan.request, partial);
    for (const target of candidates) {
      try {
        const leg = await this.continueOn(target, continued, client, plan.deadlineAt);
        event('continued', { 'ballast.route.entry': describeTarget(target) });
        this.metrics.streamContinuations.inc({ model, outcome: 'continued' });
        this.metrics.fallbacks.inc({ model, from: failed.target.providerId, to: target.providerId });
        requestContext.note({ model: describeTarget(target), fallback: true });
        this.options.logger.warn(
          {
            model: describeTarget(failed.target),
            continued_on: describeTarget(target),
            code: failure.code,
            characters: partial.text.length,
          },
          'stream failed after it began; continued on the next prefill entry',
        );
        return leg;
      } catch (error) {
        this.options.logger.warn({ model: describeTarget(target), err: error }, 'continuation refused');
      }
    }
    event('failed', {});
    this.metrics.streamContinuations.inc({ model, outcome: 'failed' });
    return undefined;
  }

  /**
   * One attempt on one prefill entry, within what is left of the request's deadline, and no retry: a
   * continuation that fails must not hide the original failure behind more waiting. Counted in the
   * metrics and the entry's health like any attempt of a walk; throws when the entry does not serve.
   */
  private async continueOn(target: RouteTarget, continued: ChatRequest, client: AbortSignal, deadlineAt: number): Promise<Leg> {
    const policy = this.router.policies.get(target.providerId)!;
    const deadline = new Deadline(Math.max(1, deadlineAt - Date.now()), clientSideOf(client));
    let slot: BulkheadSlot | undefined;
    try {
      try {
        slot = await policy.admit(deadline);
      } catch (refused) {
        this.router.outcomes.recordRefusal(target, classifyError(refused).code);
        throw refused;
      }
      const held = slot;
      const started = performance.now();
      const context = (signal: AbortSignal) => callContextFor(requestContext.current(), target, signal);
      try {
        const leg = await policy.attempt((signal) => openLeg(target, continued, context(signal), this.metrics), {
          deadline,
          timeoutMs: policy.resilience.firstChunkTimeoutMs,
        });
        this.router.outcomes.recordOutcome(target, 'success', started);
        return { target, ...leg, release: () => held.release() };
      } catch (error) {
        this.router.outcomes.recordOutcome(target, classifyError(error).code, started);
        throw error;
      }
    } catch (error) {
      slot?.release();
      throw error;
    } finally {
      deadline.dispose();
    }
  }

  private countTokens(target: RouteTarget, usage: Usage): void {
    const labels = entryLabels(target);
    if (usage?.prompt_tokens) {
      this.metrics.tokens.inc(labels.promptTokens, usage.prompt_tokens);
    }
    if (usage?.completion_tokens) {
      this.metrics.tokens.inc(labels.completionTokens, usage.completion_tokens);
    }
    requestContext.note({ usage: usage ?? undefined });
  }
}
