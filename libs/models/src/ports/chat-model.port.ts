import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import type { CallContext } from './call-context';

/** An OpenAI chat request as a client sent it (minus `stream`, which the port decides). */
export type ChatRequest = Omit<ChatCompletionCreateParams, 'stream' | 'model'> & Record<string, unknown>;
export type { ChatCompletion, ChatCompletionChunk };

/** The chat capability: any provider that can answer OpenAI-shaped chat requests. */
export interface ChatModelPort {
  complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatCompletion>;
  /** Chunks as the upstream sends them; the request is made on the first `next()`. */
  stream(model: string, request: ChatRequest, context: CallContext): AsyncIterable<ChatCompletionChunk>;
}
