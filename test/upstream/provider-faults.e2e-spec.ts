import { parseFault, startTestUpstream, TestUpstream } from './index';

describe('test upstream: the faults for reading upstream errors and bodies', () => {
  let upstream: TestUpstream;

  beforeAll(async () => {
    upstream = await startTestUpstream({ chunks: 4 });
  });
  afterEach(() => upstream.reset());
  afterAll(() => upstream.close());

  const chat = (stream = false) =>
    fetch(`${upstream.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream }),
    });

  it('validates the new kinds when they come as JSON', () => {
    expect(parseFault({ kind: 'context-length', wording: 'vllm', maxTokens: 10 })).toEqual({
      kind: 'context-length',
      wording: 'vllm',
      maxTokens: 10,
      requestedTokens: undefined,
    });
    expect(() => parseFault({ kind: 'context-length', wording: 'gpt-9' })).toThrow(/wording/);
    expect(() => parseFault({ kind: 'huge-error', status: 99, bytes: 1 })).toThrow(/status/);
    expect(() => parseFault({ kind: 'bad-events', at: 1.5, count: 1 })).toThrow(/at/);
  });

  it('answers a context-length 400 and a content-policy 400 in the servers’ own words', async () => {
    upstream.enqueue(
      { kind: 'context-length', wording: 'llama-cpp', maxTokens: 256, requestedTokens: 1407 },
      { kind: 'content-policy', wording: 'azure' },
    );
    const first = await chat();
    expect(first.status).toBe(400);
    expect(await first.json()).toMatchObject({ error: { type: 'exceed_context_size_error', n_ctx: 256, n_prompt_tokens: 1407 } });
    const second = await chat();
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({ error: { code: 'content_filter', innererror: { code: 'ResponsibleAIPolicyViolation' } } });
  });

  it('writes bodies of the asked size, and bad events where asked', async () => {
    upstream.enqueue(
      { kind: 'huge-error', status: 500, bytes: 300_000 },
      { kind: 'huge-answer', bytes: 300_000 },
      { kind: 'bad-events', at: 2, count: 2 },
    );
    const error = await chat();
    expect(error.status).toBe(500);
    expect((await error.text()).length).toBe(300_000 + '{"error":{"message":""}}'.length);
    const answer = (await (await chat()).json()) as { choices: Array<{ message: { content: string } }> };
    expect(answer.choices[0].message.content).toHaveLength(300_000);
    const events = (await (await chat(true)).text()).split('\n\n').filter(Boolean);
    expect(events[1]).toContain('chatcmpl-malformed');
    expect(events[2]).toContain('chatcmpl-malformed');
    expect(events.at(-1)).toBe('data: [DONE]');
  });

  it('stops writing a huge line when the client leaves', async () => {
    upstream.enqueue({ kind: 'huge-line', bytes: 1024 * 1024 * 1024 });
    const res = await chat(true);
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await upstream.requests[0].closed;
    expect(upstream.requests[0].clientAborted).toBe(true);
  });
});
