import type { Attributes } from '@opentelemetry/api';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../ports/chat-model.port';

const PARAMETERS: Array<[keyof ChatRequest & string, string]> = [
  ['max_tokens', 'gen_ai.request.max_tokens'],
  ['max_completion_tokens', 'gen_ai.request.max_tokens'],
  ['temperature', 'gen_ai.request.temperature'],
  ['top_p', 'gen_ai.request.top_p'],
  ['frequency_penalty', 'gen_ai.request.frequency_penalty'],
  ['presence_penalty', 'gen_ai.request.presence_penalty'],
  ['seed', 'gen_ai.request.seed'],
  ['n', 'gen_ai.request.choice.count'],
];

/** The request's numeric parameters (gen_ai.request.*): never its messages. */
export function requestAttributes(request: ChatRequest, stream: boolean): Attributes {
  const attributes: Attributes = { 'gen_ai.request.stream': stream };
  for (const [field, name] of PARAMETERS) {
    const value = request[field];
    if (typeof value === 'number') {
      attributes[name] = value;
    }
  }
  return attributes;
}

type Usage = { prompt_tokens?: number; completion_tokens?: number } | null | undefined;

export function usageAttributes(usage: Usage): Attributes {
  return { 'gen_ai.usage.input_tokens': usage?.prompt_tokens, 'gen_ai.usage.output_tokens': usage?.completion_tokens };
}

export function completionAttributes(completion: ChatCompletion): Attributes {
  return {
    'gen_ai.response.id': completion.id,
    'gen_ai.response.model': completion.model,
    'gen_ai.response.finish_reasons': (completion.choices ?? []).map((choice) => String(choice.finish_reason)),
    ...usageAttributes(completion.usage),
  };
}

/** What a stream told us so far; the span gets it when the stream ends, however it ends. */
export class StreamFacts {
  id?: string;
  model?: string;
  usage: Usage;
  chunks = 0;
  readonly finishReasons: string[] = [];
  /** The completion text, kept only when content capture is on. */
  text?: string;

  constructor(captureText: boolean) {
    this.text = captureText ? '' : undefined;
  }

  seen(chunk: ChatCompletionChunk): void {
    this.chunks++;
    this.id ??= chunk.id;
    this.model ??= chunk.model;
    this.usage = chunk.usage ?? this.usage;
    for (const choice of chunk.choices ?? []) {
      if (choice.finish_reason) {
        this.finishReasons.push(choice.finish_reason);
      }
      if (this.text !== undefined && choice.delta?.content) {
        this.text += choice.delta.content;
      }
    }
  }

  attributes(): Attributes {
    return {
      'gen_ai.response.id': this.id,
      'gen_ai.response.model': this.model,
      'gen_ai.response.finish_reasons': this.finishReasons.length > 0 ? this.finishReasons : undefined,
      'ballast.stream.chunks': this.chunks,
      ...usageAttributes(this.usage),
    };
  }
}
