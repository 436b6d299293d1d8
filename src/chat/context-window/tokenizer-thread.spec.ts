import { countTokens } from 'gpt-tokenizer';
import { TokenizerThread } from './tokenizer-thread';

describe('TokenizerThread', () => {
  const thread = new TokenizerThread();
  afterAll(() => thread.close());

  it('counts as gpt-tokenizer does in this thread, text by text, in order', async () => {
    const texts = ['Say hello.', 'word '.repeat(200), '', 'ünïcode — 42'];
    await expect(thread.count(texts)).resolves.toEqual(texts.map((text) => countTokens(text)));
  });

  it('counts a long prompt off the event loop: this thread runs meanwhile', async () => {
    const long = 'alpha beta gamma delta 42 '.repeat(160_000); // 4 MB, ~0.2 s of counting
    let ranMeanwhile = false;
    const counting = thread.count([long]);
    setImmediate(() => (ranMeanwhile = true));
    const [tokens] = await counting;
    expect(ranMeanwhile).toBe(true);
    expect(tokens).toBe(countTokens(long));
  });

  it('fails what it was counting when the thread ends, and starts another for the next call', async () => {
    const counting = thread.count(['word '.repeat(100_000)]);
    await thread.close();
    await expect(counting).rejects.toThrow(/tokenizer thread exited/);
    await expect(thread.count(['hello'])).resolves.toEqual([1]);
  });
});
