import { BallastError } from '@ballast/errors';
import type { RouteTarget } from '@ballast/models';
import { countTokens } from 'gpt-tokenizer';
import { ContextWindowCheck } from './context-window-check';

function router(routes: Record<string, Array<number | undefined>>) {
  return {
    publicModels: Object.keys(routes),
    route(model: string): RouteTarget[] {
      const windows = routes[model];
      if (!windows) {
        throw new BallastError('MODEL_NOT_FOUND', { detail: `no model ${model}` });
      }
      return windows.map((contextWindow) => ({ contextWindow }) as RouteTarget);
    },
  };
}

/** The real tokenizer, counting how often it was asked for. */
function realTokenizer() {
  return jest.fn(() => countTokens);
}

const long = [{ role: 'user', content: 'word '.repeat(200) }];
const short = [{ role: 'user', content: 'hello' }];

describe('ContextWindowCheck', () => {
  it('never loads the tokenizer when no model declares a window on every entry', () => {
    const load = realTokenizer();
    const check = new ContextWindowCheck(router({ chat: [undefined], mixed: [8, undefined] }), load);
    check.onModuleInit();
    expect(load).not.toHaveBeenCalled();
    // Nothing to refuse: some entry of each route takes any prompt.
    expect(() => check.assertFits('mixed', long, 100_000)).not.toThrow();
  });

  it('loads it once at start-up when some model declares every window, and refuses what fits none', () => {
    const load = realTokenizer();
    const check = new ContextWindowCheck(router({ chat: [undefined], small: [64, 128] }), load);
    check.onModuleInit();
    expect(load).toHaveBeenCalledTimes(1);
    expect(() => check.assertFits('small', short, 16)).not.toThrow();
    let refused: unknown;
    try {
      check.assertFits('small', long, undefined);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(BallastError);
    expect((refused as BallastError).code).toBe('CONTEXT_LENGTH_EXCEEDED');
    // The largest entry's window is the one that counts: 201 tokens of text (o200k), 4 of framing, 3 to prime the reply.
    expect((refused as BallastError).extensions).toEqual({ prompt_tokens: 208, requested_completion_tokens: 0, context_window: 128 });
    expect(() => check.assertFits('chat', long, 100_000)).not.toThrow();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('counts the answer asked for with the prompt', () => {
    const check = new ContextWindowCheck(router({ small: [64] }), realTokenizer());
    check.onModuleInit();
    expect(() => check.assertFits('small', short, 40)).not.toThrow();
    expect(() => check.assertFits('small', short, 60)).toThrow(expect.objectContaining({ code: 'CONTEXT_LENGTH_EXCEEDED' }));
  });

  it('says MODEL_NOT_FOUND for a model that does not exist, before counting anything', () => {
    const check = new ContextWindowCheck(router({ small: [64] }), realTokenizer());
    check.onModuleInit();
    expect(() => check.assertFits('gpt-9', long, undefined)).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
  });
});
