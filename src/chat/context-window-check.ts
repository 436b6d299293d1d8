import { MODEL_ROUTER, ModelRouter } from '@ballast/models';
import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { assertFitsWindow, CountTokens, largestDeclaredWindow, MessageLike } from './prompt-tokens';

/** Loads the tokenizer the check counts with. */
export const LOAD_TOKENIZER = Symbol('LOAD_TOKENIZER');
export type LoadTokenizer = () => CountTokens;

const loadGptTokenizer: LoadTokenizer = () =>
  // A require rather than an import so that the module (and its tables) is loaded only on this call; synchronous,
  // at start-up, where the ~0.25 s it takes is not a request's.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('gpt-tokenizer') as typeof import('gpt-tokenizer')).countTokens;

/**
 * The context-window check before any upstream call, for the models whose
 * every route entry declares `contextWindow`. gpt-tokenizer's o200k ranks
 * are a Map of 200k strings, ~14 MB that every major GC of this process
 * then marks (measured: the heap after a mark-compact 48 → 34 MB without
 * it, each pause about half as long), so they are loaded at start-up only
 * when some model can use them, and never otherwise.
 */
@Injectable()
export class ContextWindowCheck implements OnModuleInit {
  private countTokens?: CountTokens;

  constructor(
    @Inject(MODEL_ROUTER) private readonly router: Pick<ModelRouter, 'publicModels' | 'route'>,
    @Optional() @Inject(LOAD_TOKENIZER) private readonly loadTokenizer: LoadTokenizer = loadGptTokenizer,
  ) {}

  onModuleInit(): void {
    if (this.router.publicModels.some((model) => largestDeclaredWindow(this.router.route(model)) !== undefined)) {
      this.countTokens = this.loadTokenizer();
    }
  }

  /** Throws MODEL_NOT_FOUND for a model that does not exist, CONTEXT_LENGTH_EXCEEDED for a prompt that fits no entry. */
  assertFits(model: string, messages: MessageLike[], completionTokens: number | undefined): void {
    const window = largestDeclaredWindow(this.router.route(model));
    if (window !== undefined && this.countTokens) {
      assertFitsWindow(window, messages, completionTokens, this.countTokens);
    }
  }
}
