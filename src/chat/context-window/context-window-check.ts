import { ROOT_LOGGER } from '@ballast/observability';
import { MODEL_ROUTER, ModelRouter } from '@ballast/models';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { assertFitsWindow, largestDeclaredWindow, MessageLike, promptParts } from './prompt-tokens';
import { TokenizerThread } from './tokenizer-thread';

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
  /** Per public model, its largest window when every entry declares one; routes are built once at boot. */
  private readonly windows = new Map<string, number | undefined>();

  constructor(
    @Inject(MODEL_ROUTER) private readonly router: Pick<ModelRouter, 'publicModels' | 'route'>,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly tokenizer: TokenizerThread,
  ) {}

  onModuleInit(): void {
    for (const model of this.router.publicModels) {
      this.windows.set(model, largestDeclaredWindow(this.router.route(model)));
    }
    if ([...this.windows.values()].some((window) => window !== undefined)) {
      this.tokenizer.start();
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.tokenizer.close();
  }

  /**
   * Throws MODEL_NOT_FOUND for a model that does not exist; for a model whose every entry declares a window, the
   * count, rejecting with CONTEXT_LENGTH_EXCEEDED for a prompt that fits no entry. Nothing to wait for otherwise: a
   * request the check does not apply to makes no promise here.
   */
  assertFits(model: string, messages: MessageLike[], completionTokens: number | undefined): Promise<void> | undefined {
    const window = this.windows.get(model);
    if (window === undefined) {
      if (!this.windows.has(model)) {
        this.router.route(model); // the router's own MODEL_NOT_FOUND, with the names that exist
      }
      return undefined;
    }
    return this.countWithin(window, messages, completionTokens);
  }

  private async countWithin(window: number, messages: MessageLike[], completionTokens: number | undefined): Promise<void> {
    const { texts, fixedTokens } = promptParts(messages);
    let prompt = fixedTokens;
    try {
      for (const tokens of texts.length > 0 ? await this.tokenizer.count(texts) : []) {
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
