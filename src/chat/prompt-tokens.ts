import { BallastError } from '@ballast/errors';
import type { RouteTarget } from '@ballast/models';
import { countTokens } from 'gpt-tokenizer';

/** OpenAI's chat framing: a few tokens per message, three to prime the reply. */
const PER_MESSAGE = 4;
const REPLY_PRIMING = 3;
/** A high-detail image tile budget; VL models vary, this errs on the generous side. */
const PER_IMAGE = 765;

interface MessageLike {
  content?: unknown;
  name?: unknown;
}

/**
 * Prompt tokens with the o200k tokenizer (GPT-4o's). For other model
 * families it is an estimate, close enough to refuse what cannot fit.
 */
export function countPromptTokens(messages: MessageLike[]): number {
  let total = REPLY_PRIMING;
  for (const message of messages) {
    total += PER_MESSAGE + (typeof message.name === 'string' ? countTokens(message.name) : 0);
    if (typeof message.content === 'string') {
      total += countTokens(message.content);
    } else if (Array.isArray(message.content)) {
      for (const part of message.content as Array<{ type?: string; text?: string }>) {
        total += part.type === 'text' && typeof part.text === 'string' ? countTokens(part.text) : part.type === 'image_url' ? PER_IMAGE : 0;
      }
    }
  }
  return total;
}

/** Refuses, before any upstream call, a request that fits no route entry's declared context window. */
export function assertFitsContext(route: RouteTarget[], messages: MessageLike[], completionTokens: number | undefined): void {
  const windows = route.map((target) => target.contextWindow);
  if (windows.some((window) => window === undefined)) {
    return; // some entry did not declare a limit: let it try
  }
  const largest = Math.max(...(windows as number[]));
  const prompt = countPromptTokens(messages);
  const wanted = prompt + (completionTokens ?? 0);
  if (wanted > largest) {
    throw new BallastError('CONTEXT_LENGTH_EXCEEDED', {
      detail:
        `The prompt is about ${prompt} tokens and ${completionTokens ?? 0} more were requested for the answer, ` +
        `${wanted} in all; this model accepts at most ${largest}. Shorten the messages or lower max_tokens.`,
      extensions: { prompt_tokens: prompt, requested_completion_tokens: completionTokens ?? 0, context_window: largest },
    });
  }
}
