import { BallastError } from '@ballast/errors';
import type { RouteTarget } from '@ballast/models';
import pino from 'pino';
import { ContextWindowCheck } from './context-window-check';
import { TokenizerThread } from './tokenizer-thread';

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

/** The real tokenizer thread, watched: how often it was started and asked to count. */
function watchedThread() {
  const thread = new TokenizerThread();
  return { thread, start: jest.spyOn(thread, 'start'), count: jest.spyOn(thread, 'count') };
}

const silent = pino({ level: 'silent' });
const long = [{ role: 'user', content: 'word '.repeat(200) }];
const short = [{ role: 'user', content: 'hello' }];

describe('ContextWindowCheck', () => {
  const threads: TokenizerThread[] = [];
  afterEach(async () => {
    await Promise.all(threads.splice(0).map((thread) => thread.close()));
  });
  function checkFor(routes: Record<string, Array<number | undefined>>) {
    const watched = watchedThread();
    threads.push(watched.thread);
    const check = new ContextWindowCheck(router(routes), silent, watched.thread);
    check.onModuleInit();
    return { check, ...watched };
  }

  it('never starts the tokenizer when no model declares a window on every entry', async () => {
    const { check, start, count } = checkFor({ chat: [undefined], mixed: [8, undefined] });
    expect(start).not.toHaveBeenCalled();
    // Nothing to refuse: some entry of each route takes any prompt.
    expect(check.assertFits('mixed', long, 100_000)).toBeUndefined();
    expect(count).not.toHaveBeenCalled();
  });

  it('starts it at start-up when some model declares every window, and refuses what fits none', async () => {
    const { check, start } = checkFor({ chat: [undefined], small: [64, 128] });
    expect(start).toHaveBeenCalledTimes(1);
    await expect(check.assertFits('small', short, 16)).resolves.toBeUndefined();
    const refused: unknown = await check.assertFits('small', long, undefined)?.catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BallastError);
    expect((refused as BallastError).code).toBe('CONTEXT_LENGTH_EXCEEDED');
    // The largest entry's window is the one that counts: 201 tokens of text (o200k), 4 of framing, 3 to prime the reply.
    expect((refused as BallastError).extensions).toEqual({ prompt_tokens: 208, requested_completion_tokens: 0, context_window: 128 });
    expect(check.assertFits('chat', long, 100_000)).toBeUndefined();
  });

  it('counts names, text parts and images, and the answer asked for with the prompt', async () => {
    const { check } = checkFor({ small: [800] });
    const messages = [{ role: 'user', name: 'ada', content: [{ type: 'text', text: 'hello' }, { type: 'image_url' }] }];
    // 3 + 4 framing, 1 for the name, 1 for the text, 765 for the image: 774.
    await expect(check.assertFits('small', messages, 26)).resolves.toBeUndefined();
    await expect(check.assertFits('small', messages, 27)).rejects.toMatchObject({ extensions: { prompt_tokens: 774 } });
  });

  it('says MODEL_NOT_FOUND for a model that does not exist, before counting anything', async () => {
    const { check, count } = checkFor({ small: [64] });
    expect(() => check.assertFits('gpt-9', long, undefined)).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
    expect(count).not.toHaveBeenCalled();
  });

  it('lets the upstream judge when the thread dies mid-count, and counts again with a new one', async () => {
    const { check, thread } = checkFor({ small: [64] });
    await expect(check.assertFits('small', long, undefined)).rejects.toMatchObject({ code: 'CONTEXT_LENGTH_EXCEEDED' });
    const counting = check.assertFits('small', long, undefined);
    await thread.close();
    await expect(counting).resolves.toBeUndefined();
    await expect(check.assertFits('small', long, undefined)).rejects.toMatchObject({ code: 'CONTEXT_LENGTH_EXCEEDED' });
  });
});
