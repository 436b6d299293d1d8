import { BallastError } from '@ballast/errors';
import type { RouteTarget } from '@ballast/models';

/** One text's tokens (gpt-tokenizer's `countTokens`, o200k). */
export type CountTokens = (text: string) => number;

/** OpenAI's chat framing: a few tokens per message, three to prime the reply. */
const PER_MESSAGE = 4;
const REPLY_PRIMING = 3;
/** A high-detail image tile budget; VL models vary, this errs on the generous side. */
const PER_IMAGE = 765;

export interface MessageLike {
  content?: unknown;
  name?: unknown;
}

/**
 * Prompt tokens with the o200k tokenizer (GPT-4o's). For other model
 * families it is an estimate, close enough to refuse what cannot fit.
 */
export function countPromptTokens(messages: MessageLike[], countTokens: CountTokens): number {
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

/** The largest context window of the route, when every entry declares one; otherwise some entry may take any prompt. */
export function largestDeclaredWindow(route: RouteTarget[]): number | undefined {
  let largest = 0;
  for (const target of route) {
    if (target.contextWindow === undefined) {
      return undefined;
    }
    largest = Math.max(largest, target.contextWindow);
  }
  return route.length > 0 ? largest : undefined;
}

/** Refuses, before any upstream call, a prompt (and the answer asked for) larger than `window`. */
export function assertFitsWindow(
  window: number,
  messages: MessageLike[],
  completionTokens: number | undefined,
  countTokens: CountTokens,
): void {
  const prompt = countPromptTokens(messages, countTokens);
  const wanted = prompt + (completionTokens ?? 0);
  if (wanted > window) {
    throw new BallastError('CONTEXT_LENGTH_EXCEEDED', {
      detail:
        `The prompt is about ${prompt} tokens and ${completionTokens ?? 0} more were requested for the answer, ` +
        `${wanted} in all; this model accepts at most ${window}. Shorten the messages or lower max_tokens.`,
      extensions: { prompt_tokens: prompt, requested_completion_tokens: completionTokens ?? 0, context_window: window },
    });
  }
}
