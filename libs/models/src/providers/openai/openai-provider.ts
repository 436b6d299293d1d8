import type { BallastMetrics } from '@ballast/observability';
import type { Logger } from 'pino';
import type { UpstreamLimits } from '../../config/models-file.schema';
import type { CallContext } from '../../ports/call-context';
import type { ChatCompletion, ChatCompletionChunk, ChatModelPort, ChatRequest } from '../../ports/chat-model.port';
import type { ModelProvider } from '../../ports/model-provider.port';
import { answerJson } from '../../ports/answer-json';
import { readBody } from './read-body';
import { SseChunkStream, SseScope } from './sse-chunks';
import { UpstreamClient } from './upstream-client';
import { upstreamError, UpstreamScope } from './upstream-error';

export interface OpenAiProviderOptions {
  baseUrl: string;
  apiKey?: string;
  limits: UpstreamLimits;
}

export interface OpenAiProviderDependencies {
  metrics: BallastMetrics;
  logger: Logger;
}

const USER_AGENT = 'ballast';

/** What the probe reads of a model list before letting the connection go. */
const PROBE_READ_BYTES = 64 * 1024;

/**
 * Any OpenAI-compatible upstream (vLLM, Xinference, Ollama, LM Studio,
 * OpenAI) over undici, its SSE parsed by eventsource-parser; every failure
 * becomes a BallastError in upstreamError.
 */
export class OpenAiProvider implements ModelProvider, ChatModelPort {
  readonly type = 'openai';
  readonly chat = this;
  private readonly client: UpstreamClient;
  private readonly scope: UpstreamScope;
  private readonly authorization: string;
  /** The probe's: it has no request id. */
  private readonly probeHeaders: Record<string, string>;
  private readonly streamScope: SseScope;

  constructor(
    readonly id: string,
    private readonly options: OpenAiProviderOptions,
    private readonly dependencies: OpenAiProviderDependencies,
  ) {
    this.scope = { provider: id, maxRetryAfterSeconds: options.limits.maxRetryAfterSeconds };
    this.client = new UpstreamClient(options.baseUrl, this.scope, options.limits.maxErrorBodyBytes);
    this.authorization = `Bearer ${options.apiKey || 'not-needed'}`;
    this.probeHeaders = { authorization: this.authorization, 'user-agent': USER_AGENT, accept: 'application/json' };
    this.streamScope = {
      ...this.scope,
      maxEventChars: options.limits.maxEventChars,
      maxBadEvents: options.limits.maxBadEvents,
      metrics: dependencies.metrics,
      logger: dependencies.logger,
    };
    // The series exists from the start, so rate() sees the first bad event too.
    dependencies.metrics.upstreamBadEvents.inc({ provider: id }, 0);
  }

  async complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatCompletion> {
    const response = await this.client.send({
      method: 'POST',
      path: '/chat/completions',
      headers: this.headers('application/json', context),
      body: JSON.stringify({ ...request, model, stream: false }),
      signal: context.signal,
    });
    const maxBytes = this.options.limits.maxAnswerBytes;
    const read = await readBody(response.body, maxBytes, response.headers['content-length']).catch((error: unknown) => {
      throw upstreamError({ kind: 'network', error, signal: context.signal }, this.scope);
    });
    if (read.cut) {
      throw upstreamError(
        { kind: 'bad-response', reason: `answer larger than ${maxBytes} bytes`, status: response.status, body: read },
        this.scope,
      );
    }
    let completion: unknown;
    try {
      completion = JSON.parse(read.text);
    } catch {
      throw upstreamError({ kind: 'bad-response', reason: 'answer is not JSON', status: response.status, body: read }, this.scope);
    }
    if (typeof completion !== 'object' || completion === null || !Array.isArray((completion as ChatCompletion).choices)) {
      throw upstreamError(
        { kind: 'bad-response', reason: 'completion without a choices array', status: response.status, body: read },
        this.scope,
      );
    }
    return answerJson.remember(completion as ChatCompletion, read.text);
  }

  stream(model: string, request: ChatRequest, context: CallContext): AsyncIterable<ChatCompletionChunk> {
    const { signal, requestId } = context;
    const headers = this.headers('text/event-stream', context);
    // The request is sent (and let go of) on the first next(); the stream holds only what it reads.
    return new SseChunkStream(
      () =>
        this.client
          .send({
            method: 'POST',
            path: '/chat/completions',
            headers,
            body: JSON.stringify({ ...request, model, stream: true }),
            longLived: true,
            signal,
          })
          .then((response) => response.body),
      signal,
      this.streamScope,
      requestId,
    );
  }

  /** `GET {baseUrl}/models`: cheap, never a paid completion. */
  async probe(signal: AbortSignal): Promise<void> {
    const response = await this.client.send({ method: 'GET', path: '/models', headers: this.probeHeaders, signal });
    await response.body.dump({ limit: PROBE_READ_BYTES }).catch(() => undefined);
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /**
   * One literal, the same keys in the same order on every call: `{ ...base, 'x-request-id': id }` gave every
   * request's headers object a hidden class (map and descriptor array) of its own.
   */
  private headers(accept: string, context: CallContext): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      authorization: this.authorization,
      'user-agent': USER_AGENT,
      accept,
      'x-request-id': context.requestId,
    };
    if (context.traceparent) {
      headers.traceparent = context.traceparent;
    }
    return headers;
  }
}
