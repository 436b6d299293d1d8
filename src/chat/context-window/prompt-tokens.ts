import { BallastError } from '@ballast/errors';
import type { RouteTarget } from '@ballast/models';

/** OpenAI's chat framing: a few tokens per message, three to prime the reply. */
const PER_MESSAGE = 4;
const REPLY_PRIMING = 3;
/** A high-detail image tile budget; VL models vary, this errs on the generous side. */
const PER_IMAGE = 765;

export interface MessageLike {
  content?: unknown;
  name?: unknown;
}

/** What a prompt's tokens are counted from: its texts (to the tokenizer) and the tokens they do not hold. */
export interface PromptParts {
  texts: string[];
  /** The chat framing and the images' tile budget. */
  fixedTokens: number;
}

export function promptParts(messages: MessageLike[]): PromptParts {
  const texts: string[] = [];
  let fixedTokens = REPLY_PRIMING;
  for (const message of messages) {
    fixedTokens += PER_MESSAGE;
    if (typeof message.name === 'string') {
      texts.push(message.name);
    }
    if (typeof message.content === 'string') {
      texts.push(message.content);
    } else if (Array.isArray(message.content)) {
      for (const part of message.content as Array<{ type?: string; text?: string }>) {
        if (part.type === 'text' && typeof part.text === 'string') {
          texts.push(part.text);
        } else if (part.type === 'image_url') {
          fixedTokens += PER_IMAGE;
        }
      }
    }
  }
  return { texts, fixedTokens };
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
export function assertFitsWindow(window: number, prompt: number, completionTokens: number | undefined): void {
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
