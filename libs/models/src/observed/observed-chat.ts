import { AttemptStart, capturesContent, ModelAttempt, tracingEnabled } from '@ballast/observability';
import type { Attributes } from '@opentelemetry/api';
import type { CallContext } from '../ports/call-context';
import type { ChatCompletion, ChatCompletionChunk, ChatModelPort, ChatRequest } from '../ports/chat-model.port';
import { capturedCompletion, capturedInput } from './captured-content';
import { completionAttributes, requestAttributes, StreamFacts } from './chat-attributes';
import { ObservedStream } from './observed-stream';

/** What an observed port knows about its provider, for the attempt span. */
export interface ProviderFacts {
  id: string;
  type: string;
  /** Attributes fixed for the provider (server.address, server.port). */
  attributes: Attributes;
  /** The provider's breaker state as an attempt is dispatched. */
  breakerState(): string;
}

export function attemptStart(
  provider: ProviderFacts,
  operation: string,
  model: string,
  context: CallContext,
  extra?: Attributes,
): AttemptStart {
  return {
    operation,
    providerId: provider.id,
    providerType: provider.type,
    model,
    attributes: {
      ...provider.attributes,
      'ballast.route.entry': context.route?.entry,
      'ballast.fallback': context.route ? context.route.index > 0 : undefined,
      'ballast.breaker.state': provider.breakerState(),
      ...extra,
    },
  };
}

/** The attempt's own traceparent goes upstream (its span is the client span); the incoming one when tracing is off. */
function withTraceparent(context: CallContext, attempt: ModelAttempt): CallContext {
  const traceparent = attempt.traceparent();
  return traceparent ? { ...context, traceparent } : context;
}

/**
 * A chat port that reports every call (one call is one attempt) as a
 * ModelAttempt: timings for Server-Timing, and a gen_ai client span when
 * tracing is on.
 */
export class ObservedChat implements ChatModelPort {
  constructor(
    private readonly inner: ChatModelPort,
    private readonly provider: ProviderFacts,
  ) {}

  async complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatCompletion> {
    const { attempt, traced, capture } = this.startAttempt(model, request, context, false);
    try {
      const completion = await attempt.within(() => this.inner.complete(model, request, withTraceparent(context, attempt)));
      attempt.succeeded(traced ? { ...completionAttributes(completion), ...(capture ? capturedCompletion(completion) : {}) } : undefined);
      return completion;
    } catch (error) {
      attempt.failed(error);
      throw error;
    }
  }

  stream(model: string, request: ChatRequest, context: CallContext): AsyncIterable<ChatCompletionChunk> {
    const { attempt, traced, capture } = this.startAttempt(model, request, context, true);
    const facts = traced ? new StreamFacts(capture) : undefined;
    return new ObservedStream(this.inner.stream(model, request, withTraceparent(context, attempt)), attempt, context.signal, facts);
  }

  /** The span's attributes only where there is a span: with tracing off an attempt is its timings alone. */
  private startAttempt(model: string, request: ChatRequest, context: CallContext, stream: boolean) {
    const traced = tracingEnabled();
    const capture = traced && capturesContent();
    const attempt = new ModelAttempt(
      traced
        ? attemptStart(this.provider, 'chat', model, context, {
            ...requestAttributes(request, stream),
            ...(capture ? capturedInput(request) : {}),
          })
        : { operation: 'chat', providerId: this.provider.id, providerType: this.provider.type, model },
    );
    return { attempt, traced, capture };
  }
}
