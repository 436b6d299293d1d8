import { BallastProblem } from './ballast-problem';
import { CallScope } from './call-scope';
import { chatStream } from './chat-stream';
import { DEFAULT_RETRY, RetryOptions } from './retry.policy';
import { FetchFunction, finish, networkProblem, Transport, withRetries } from './transport';
import type {
  AnalyzeImageRequest,
  CallInfo,
  CallOptions,
  ChatRequest,
  ChatResult,
  ImageInput,
  OcrRequest,
  StreamEvent,
  Usage,
  VisionImage,
  VisionResult,
} from './types';

export interface BallastClientOptions {
  /** Where Ballast listens, e.g. `http://localhost:8080` (without /v1). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Default: the global fetch, read at call time. */
  fetch?: FetchFunction;
  retry?: RetryOptions;
  /** One deadline per call, every attempt and backoff included (default 120000, Ballast's own REQUEST_TIMEOUT_MS). */
  deadlineMs?: number;
  /** Ask for resumable streams (default true). */
  resumable?: boolean;
  /** Source of jitter, in [0, 1) (default Math.random); inject a seeded one in tests. */
  random?: () => number;
}

/** A retrying, resuming client for Ballast: chat, streamed chat, image analysis and OCR. */
export class BallastClient {
  private readonly transport: Transport;
  private readonly retry: Required<RetryOptions>;
  private readonly random: () => number;

  constructor(private readonly options: BallastClientOptions) {
    this.transport = new Transport(options);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.random = options.random ?? Math.random;
  }

  /** A non-streaming chat completion. Rejects with a BallastProblem, or the signal's reason when aborted. */
  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const body = JSON.stringify({ ...request, stream: false });
    const { value, info } = await this.call(options, '/v1/chat/completions', () => ({
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    }));
    const choices = value.choices as Array<{ message?: { content?: unknown } }> | undefined;
    const content = choices?.[0]?.message?.content;
    return { ...info, text: typeof content === 'string' ? content : '', usage: value.usage as Usage | undefined, completion: value };
  }

  /**
   * A streamed chat completion as typed events (see StreamEvent). A failure
   * is the last event (`error`, with the text so far), not a rejection; the
   * iterator rejects only when the signal aborts. Leaving the loop early
   * closes the connection.
   */
  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncGenerator<StreamEvent, void> {
    const scope = this.scope(options);
    try {
      yield* chatStream(request, {
        transport: this.transport,
        scope,
        retry: this.retryFor(options),
        random: this.random,
        resumable: options.resumable ?? this.options.resumable ?? true,
      });
    } finally {
      scope.dispose();
    }
  }

  /** POST /v1/vision/analyze: what a vision model says about the image. */
  analyzeImage(request: AnalyzeImageRequest, options: CallOptions = {}): Promise<VisionResult> {
    return this.vision('/v1/vision/analyze', request, { prompt: request.prompt }, options);
  }

  /** POST /v1/vision/ocr: the text in the image. */
  ocr(request: OcrRequest, options: CallOptions = {}): Promise<VisionResult> {
    return this.vision('/v1/vision/ocr', request, {}, options);
  }

  private async vision(path: string, request: OcrRequest, fields: Record<string, string>, options: CallOptions): Promise<VisionResult> {
    const image = toBlob(request.image);
    const { value, info } = await this.call(options, path, () => {
      // A fresh body per attempt: a sent FormData stream cannot be read twice everywhere.
      const form = new FormData();
      form.append('image', image, request.filename ?? 'image');
      for (const [name, text] of Object.entries(fields)) {
        form.append(name, text);
      }
      if (request.model) {
        form.append('model', request.model);
      }
      return { method: 'POST', body: form };
    });
    return {
      ...info,
      text: typeof value.text === 'string' ? value.text : '',
      confidence: value.confidence as number | null | undefined,
      image: value.image as VisionImage,
    };
  }

  /** One JSON call with retries: a network break while reading the body counts as a failed attempt too. */
  private async call(
    options: CallOptions,
    path: string,
    init: () => RequestInit,
  ): Promise<{ value: Record<string, unknown>; info: CallInfo }> {
    const scope = this.scope(options);
    try {
      const { value, attempts } = await finish(
        withRetries(scope, this.retryFor(options), this.random, async () => {
          const res = await this.transport.send(path, init(), scope);
          try {
            return { res, body: (await res.json()) as Record<string, unknown> };
          } catch (error) {
            if (scope.signal.aborted) {
              throw scope.reason;
            }
            throw error instanceof SyntaxError
              ? BallastProblem.client('BAD_RESPONSE', 'The answer was not JSON.', { status: res.status, cause: error })
              : networkProblem(error);
          }
        }),
      );
      return { value: value.body, info: callInfo(value.res, attempts) };
    } finally {
      scope.dispose();
    }
  }

  private scope(options: CallOptions): CallScope {
    return new CallScope(options.signal, options.deadlineMs ?? this.options.deadlineMs ?? 120_000);
  }

  private retryFor(options: CallOptions): Required<RetryOptions> {
    return options.maxAttempts === undefined ? this.retry : { ...this.retry, maxAttempts: options.maxAttempts };
  }
}

function callInfo(res: Response, attempts: number): CallInfo {
  return {
    requestId: res.headers.get('x-request-id') ?? undefined,
    model: res.headers.get('x-model-used') ?? undefined,
    fallback: res.headers.get('x-fallback-used') === 'true',
    attempts,
  };
}

function toBlob(image: ImageInput): Blob {
  return image instanceof Blob ? image : new Blob([image as BlobPart]);
}
