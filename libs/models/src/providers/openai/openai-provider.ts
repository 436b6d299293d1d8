import { BallastError } from '@ballast/errors';
import OpenAI from 'openai';
import { Stream } from 'openai/streaming';
import { VERSION } from 'openai/version';
import type { CallContext } from '../../ports/call-context';
import type { ChatCompletion, ChatCompletionChunk, ChatModelPort, ChatRequest } from '../../ports/chat-model.port';
import type { ModelProvider } from '../../ports/model-provider.port';
import { postChat } from './post-chat';
import { translateOpenAiError } from './translate-openai-error';
import { createUndiciFetch, UndiciFetch } from './undici-fetch';

export interface OpenAiProviderOptions {
  baseUrl: string;
  apiKey?: string;
  /** Replaces the provider's own keep-alive undici fetch (tests, or several providers sharing one agent). */
  fetch?: typeof fetch;
}

function headersFor(base: Record<string, string>, context: CallContext): Record<string, string> {
  const headers: Record<string, string> = { ...base, 'x-request-id': context.requestId };
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
  /** The SDK: errors, SSE decoding, and the probe. */
  private readonly client: OpenAI;
  /** Built once per provider: its connections to the upstream stay open between calls. */
  private readonly ownFetch?: UndiciFetch;
  private readonly fetch: typeof fetch;
  private readonly chatUrl: string;
  private readonly baseHeaders: Record<string, string>;

  constructor(
    readonly id: string,
    options: OpenAiProviderOptions,
  ) {
    this.ownFetch = options.fetch ? undefined : createUndiciFetch();
    this.fetch = options.fetch ?? this.ownFetch!.fetch;
    const apiKey = options.apiKey || 'not-needed';
    this.client = new OpenAI({
      baseURL: options.baseUrl,
      apiKey,
      // Ballast owns retrying and time limits; the SDK must do neither.
      maxRetries: 0,
      timeout: 24 * 60 * 60 * 1000,
      fetch: this.fetch,
      // Its console logger would print raw upstream text; what matters reaches the JSON log through the router.
      logLevel: 'off',
    });
    this.chatUrl = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.baseHeaders = {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Bearer ${apiKey}`,
      'user-agent': `ballast (openai-node/${VERSION})`,
    };
  }

  async complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatCompletion> {
    try {
      const body = JSON.stringify({ ...request, model, stream: false });
      const response = await postChat(this.fetch, this.chatUrl, headersFor(this.baseHeaders, context), body, context.signal);
      return assertCompletion(await response.json(), this.id);
    } catch (error) {
      throw translateOpenAiError(error, this.id);
    }
  }

  async *stream(model: string, request: ChatRequest, context: CallContext): AsyncIterable<ChatCompletionChunk> {
    // The SDK's Stream aborts this when its reader stops early; the caller's signal aborts it too.
    const controller = new AbortController();
    const follow = () => controller.abort(context.signal.reason);
    context.signal.addEventListener('abort', follow, { once: true });
    try {
      let stream: AsyncIterable<ChatCompletionChunk>;
      try {
        const body = JSON.stringify({ ...request, model, stream: true });
        const response = await postChat(this.fetch, this.chatUrl, headersFor(this.baseHeaders, context), body, controller.signal);
        stream = Stream.fromSSEResponse<ChatCompletionChunk>(response, controller, this.client);
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
    } finally {
      context.signal.removeEventListener('abort', follow);
    }
  }

  async probe(signal: AbortSignal): Promise<void> {
    try {
      await this.client.models.list({ signal, maxRetries: 0 });
    } catch (error) {
      throw translateOpenAiError(error, this.id);
    }
  }

  async close(): Promise<void> {
    await this.ownFetch?.close();
  }
}
