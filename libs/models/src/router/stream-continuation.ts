import type { ModelsConfig } from '../config/models-file.schema';
import type { ChatCompletionChunk, ChatRequest } from '../ports/chat-model.port';
import type { RouteTarget } from './route-target';

/** What a stream has sent so far, across every leg: the prefix a continuation must go on from. */
export class PartialAnswer {
  text = '';
  holdsToolCall = false;

  add(chunk: ChatCompletionChunk): void {
    for (const choice of chunk.choices ?? []) {
      this.text += choice.delta?.content ?? '';
      if ((choice.delta?.tool_calls?.length ?? 0) > 0 || choice.delta?.function_call) {
        this.holdsToolCall = true;
      }
    }
  }
}

export type ContinuationRefusal = 'tool_call' | 'no_entry' | 'deadline' | 'client_gone' | 'empty';

/**
 * The models-file side of continuation (contract section 4): whether a model
 * opted in, which route entries declared `prefill: true`, and the one pure
 * decision of whether a failed stream may go on.
 */
export class ContinuationPolicy {
  constructor(private readonly models: ModelsConfig['models']) {}

  enabled(publicModel: string): boolean {
    return this.models[publicModel]?.continueOnFailure === true;
  }

  /** The entries of the steps after `served`'s that can continue a partial answer, in route order (pool members included). */
  candidates(route: RouteTarget[], served: RouteTarget): RouteTarget[] {
    return route.filter((target) => target.index > served.index && target.prefill === true && target.provider.chat);
  }

  refusal(
    partial: PartialAnswer,
    candidates: RouteTarget[],
    now: number,
    deadlineAt: number,
    clientGone: boolean,
  ): ContinuationRefusal | undefined {
    if (clientGone) {
      return 'client_gone';
    }
    if (partial.holdsToolCall) {
      return 'tool_call';
    }
    if (partial.text.length === 0) {
      return 'empty';
    }
    if (now >= deadlineAt) {
      return 'deadline';
    }
    return candidates.length === 0 ? 'no_entry' : undefined;
  }
}

/**
 * The original messages plus the partial answer as a trailing assistant
 * message, in the prefill convention of OpenAI-compatible servers that
 * support it (vLLM, SGLang, Hugging Face chat templates): continue that
 * message instead of starting a new turn.
 */
export function continuationRequest(request: ChatRequest, partial: PartialAnswer): ChatRequest {
  return {
    ...request,
    messages: [...request.messages, { role: 'assistant', content: partial.text }],
    continue_final_message: true,
    add_generation_prompt: false,
  };
}
