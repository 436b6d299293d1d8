import { ROOT_LOGGER } from '@ballast/observability';
import { MODEL_ROUTER, ModelRouter } from '@ballast/models';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { assertFitsWindow, largestDeclaredWindow, MessageLike, promptParts } from './prompt-tokens';
import { TokenizerThread } from './tokenizer-thread';

/** Counts texts' tokens: the tokenizer thread, or another counter where one is provided (tests). */
export interface TokenCounter {
  start(): void;
  count(texts: string[]): Promise<number[]>;
  close(): Promise<void>;
}
export const TOKEN_COUNTER = Symbol('TOKEN_COUNTER');

/**
 * The context-window check before any upstream call, for the models whose
 * every route entry declares `contextWindow`: prompt tokens with the o200k
 * tokenizer (GPT-4o's; for other model families an estimate, close enough
 * to refuse what cannot fit). The tokenizer runs in a thread of its own
 * (tokenizer-thread.ts says why), started at start-up only when some model
 * can use it.
 */
@Injectable()
export class ContextWindowCheck implements OnModuleInit, OnApplicationShutdown {
  private counting = false;

  constructor(
    @Inject(MODEL_ROUTER) private readonly router: Pick<ModelRouter, 'publicModels' | 'route'>,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Optional() @Inject(TOKEN_COUNTER) private readonly counter: TokenCounter = new TokenizerThread(),
  ) {}

  onModuleInit(): void {
    if (this.router.publicModels.some((model) => largestDeclaredWindow(this.router.route(model)) !== undefined)) {
      this.counting = true;
      this.counter.start();
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.counter.close();
  }

  /**
   * Throws MODEL_NOT_FOUND for a model that does not exist; for a model whose every entry declares a window, the
   * count, rejecting with CONTEXT_LENGTH_EXCEEDED for a prompt that fits no entry. Nothing to wait for otherwise: a
   * request the check does not apply to makes no promise here.
   */
  assertFits(model: string, messages: MessageLike[], completionTokens: number | undefined): Promise<void> | undefined {
    const window = largestDeclaredWindow(this.router.route(model));
    return window === undefined || !this.counting ? undefined : this.countWithin(window, messages, completionTokens);
  }

  private async countWithin(window: number, messages: MessageLike[], completionTokens: number | undefined): Promise<void> {
    const { texts, fixedTokens } = promptParts(messages);
    let prompt = fixedTokens;
    try {
      for (const tokens of texts.length > 0 ? await this.counter.count(texts) : []) {
        prompt += tokens;
      }
    } catch (error) {
      // Not counted is not refused: the upstream judges, and its refusal still moves to a larger entry.
      this.logger.warn({ err: error, window }, 'context-window check skipped: the tokenizer thread failed');
      return;
    }
    assertFitsWindow(window, prompt, completionTokens);
  }
}
