import { BallastError } from '@ballast/errors';
import OpenAI from 'openai';
import type { CallContext } from '../../ports/call-context';
import type { ChatCompletion, ChatCompletionChunk, ChatModelPort, ChatRequest } from '../../ports/chat-model.port';
import type { ModelProvider } from '../../ports/model-provider.port';
import { translateOpenAiError } from './translate-openai-error';

export interface OpenAiProviderOptions {
  baseUrl: string;
  apiKey?: string;
  /** Lets benchmarks and production share a keep-alive agent; defaults to the global fetch. */
  fetch?: typeof fetch;
}

function headersFor(context: CallContext): Record<string, string> {
  const headers: Record<string, string> = { 'X-Request-Id': context.requestId };
  if (context.traceparent) {
    headers.traceparent = context.traceparent;
  }
  return headers;
}

function assertCompletion(value: unknown, providerId: string): ChatCompletion {
  const completion = value as ChatCompletion | undefined;
  if (!completion || typeof completion !== 'object' || !Array.isArray(completion.choices)) {
    throw new BallastError('UPSTREAM_BAD_RESPONSE', {
      cause: new Error('completion without a choices array'),
      upstream: { provider: providerId, body: value },
    });
  }
  return completion;
}

/** Any OpenAI-compatible upstream (vLLM, Xinference, Ollama, LM Studio, OpenAI) through the official SDK. */
export class OpenAiProvider implements ModelProvider, ChatModelPort {
  readonly type = 'openai';
  readonly chat = this;
  private readonly client: OpenAI;

  constructor(
    readonly id: string,
    options: OpenAiProviderOptions,
  ) {
    this.client = new OpenAI({
      baseURL: options.baseUrl,
      apiKey: options.apiKey || 'not-needed',
      // Ballast owns retrying and time limits; the SDK must do neither.
      maxRetries: 0,
      timeout: 24 * 60 * 60 * 1000,
      fetch: options.fetch,
    });
  }

  async complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatCompletion> {
    try {
      const completion = await this.client.chat.completions.create(
        { ...request, model, stream: false } as OpenAI.ChatCompletionCreateParamsNonStreaming,
        { signal: context.signal, headers: headersFor(context), maxRetries: 0 },
      );
      return assertCompletion(completion, this.id);
    } catch (error) {
      throw translateOpenAiError(error, this.id);
    }
  }

  async *stream(model: string, request: ChatRequest, context: CallContext): AsyncIterable<ChatCompletionChunk> {
    let stream: AsyncIterable<ChatCompletionChunk>;
    try {
      stream = await this.client.chat.completions.create(
        { ...request, model, stream: true } as OpenAI.ChatCompletionCreateParamsStreaming,
        {
          signal: context.signal,
          headers: headersFor(context),
          maxRetries: 0,
        },
      );
    } catch (error) {
      throw translateOpenAiError(error, this.id);
    }
    try {
      for await (const chunk of stream) {
        yield chunk;
      }
    } catch (error) {
      throw translateOpenAiError(error, this.id);
    }
  }

  async probe(signal: AbortSignal): Promise<void> {
    try {
      await this.client.models.list({ signal, maxRetries: 0 });
    } catch (error) {
      throw translateOpenAiError(error, this.id);
    }
  }
}
