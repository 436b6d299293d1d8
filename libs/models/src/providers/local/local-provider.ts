import { randomUUID } from 'node:crypto';
import type { CallContext } from '../../ports/call-context';
import type { ChatCompletion, ChatCompletionChunk, ChatModelPort, ChatRequest } from '../../ports/chat-model.port';
import type { ModelProvider } from '../../ports/model-provider.port';
import type { OcrPort, OcrResult } from '../../ports/ocr.port';
import { imageFromMessages } from './image-from-messages';
import { OcrWorkerPool } from './ocr-worker-pool';

function completionOf(model: string, text: string): ChatCompletion {
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 0, completion_tokens: Math.ceil(text.length / 4), total_tokens: Math.ceil(text.length / 4) },
  };
}

/**
 * The embedded, in-process model: OCR with tesseract.js. It also answers
 * chat requests that carry an image (with the text it reads), so a vision
 * route can fall back to it when every VL model is gone.
 */
export class LocalProvider implements ModelProvider, ChatModelPort, OcrPort {
  readonly type = 'local';
  readonly chat = this;
  readonly ocr = this;

  constructor(
    readonly id: string,
    private readonly pool: OcrWorkerPool,
  ) {}

  start(): Promise<void> {
    return this.pool.start();
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  recognize(image: Buffer, context: CallContext): Promise<OcrResult> {
    return this.pool.recognize(image, context.signal);
  }

  async complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatCompletion> {
    const { text } = await this.recognize(imageFromMessages(request), context);
    return completionOf(model, text);
  }

  async *stream(model: string, request: ChatRequest, context: CallContext): AsyncIterable<ChatCompletionChunk> {
    const completion = await this.complete(model, request, context);
    const base = { id: completion.id, object: 'chat.completion.chunk' as const, created: completion.created, model };
    yield {
      ...base,
      choices: [{ index: 0, delta: { role: 'assistant', content: completion.choices[0].message.content }, finish_reason: null }],
    };
    yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: completion.usage };
  }

  async probe(): Promise<void> {
    // In-process: alive whenever the pool is.
  }
}
