import OpenAI, { APIError } from 'openai';
import { createTestApp, TestApp } from '../support/create-test-app';
import { writeModelsFile } from '../support/models-file';
import { startTestUpstream, TestUpstream } from '../upstream';
import type { Fault } from '../upstream';
import { edgeModels } from './provider-models';

const ask = { model: 'chat', messages: [{ role: 'user' as const, content: 'hello' }] };

describe('upstream errors through Ballast, read by the official openai SDK', () => {
  let upstream: TestUpstream;
  let t: TestApp;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startTestUpstream();
    t = await createTestApp({ listen: true, env: { MODELS_FILE: writeModelsFile(edgeModels(upstream.url)) } });
    client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterEach(() => upstream.reset());
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  const failure = async (fault: Fault, model = 'chat'): Promise<APIError> => {
    upstream.enqueue(fault, fault, fault);
    const error = await client.chat.completions.create({ ...ask, model }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    return error as APIError;
  };

  it.each([
    ['openai', 4096, 5000],
    ['vllm', 4096, 5000],
    ['vllm-flat', 4096, 5000],
    ['llama-cpp', 8192, 14429],
    ['xinference', 2048, 2138],
    ['sglang', 4096, 5000],
  ] as const)(
    'turns a %s context-length 400 into CONTEXT_LENGTH_EXCEEDED with the numbers, after one upstream request',
    async (wording, maxTokens, requestedTokens) => {
      const error = await failure({ kind: 'context-length', wording, maxTokens, requestedTokens });
      expect(error.status).toBe(400);
      expect(error.code).toBe('CONTEXT_LENGTH_EXCEEDED');
      expect(error.message).toContain(`need ${requestedTokens} tokens; this model accepts at most ${maxTokens}`);
      expect(upstream.requests).toHaveLength(1);
    },
  );

  it('answers a streamed request refused for its length the same way, before any event', async () => {
    upstream.enqueue({ kind: 'context-length', wording: 'vllm', maxTokens: 4096, requestedTokens: 5000 });
    const error = await client.chat.completions.create({ ...ask, stream: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 'CONTEXT_LENGTH_EXCEEDED' });
    expect(upstream.requests).toHaveLength(1);
  });

  it('recognises a wording without numbers (Ollama) and keeps the catalogue detail', async () => {
    const error = await failure({ kind: 'context-length', wording: 'ollama' });
    expect(error.code).toBe('CONTEXT_LENGTH_EXCEEDED');
    expect(error.message).toContain('do not fit the model context window');
    expect(upstream.requests).toHaveLength(1);
  });

  it.each(['openai', 'azure'] as const)(
    'turns a %s content-policy refusal into CONTENT_REJECTED, one upstream request, a client-safe reason',
    async (wording) => {
      const error = await failure({ kind: 'content-policy', wording });
      expect(error.status).toBe(422);
      expect(error.code).toBe('CONTENT_REJECTED');
      expect(error.message).toMatch(/^422 The model's content policy refused this request/);
      expect(error.message).not.toMatch(/max_tokens|parameters|Azure|safety system|microsoft/i);
      expect(upstream.requests).toHaveLength(1);
    },
  );

  it.each([
    ['999999', 30],
    ['Thu, 01 Jan 2099 00:00:00 GMT', 30],
    ['-5', 1],
    ['soon', 1],
  ])('clamps an upstream Retry-After of %j: the client reads %d', async (value, expected) => {
    const error = await failure({ kind: 'status', status: 503, headers: { 'retry-after': value } }, 'no-retry');
    expect(error.status).toBe(503);
    expect(error.headers!.get('retry-after')).toBe(String(expected));
  });

  it('reads only a prefix of a 5 MB error body, closes the connection and logs a short excerpt once per line', async () => {
    const before = t.logs.text().length;
    const error = await failure({ kind: 'huge-error', status: 500, bytes: 5 * 1024 * 1024 });
    expect(error.status).toBe(503);
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(upstream.requests).toHaveLength(3);
    await Promise.all(upstream.requests.map((r) => r.closed));
    expect(upstream.requests.every((r) => r.clientAborted)).toBe(true);
    const logged = t.logs.text().slice(before);
    expect(logged.length).toBeLessThan(8 * 1024);
    const failed = t.logs.lines.find(
      (line) => line.msg === 'request failed: UPSTREAM_UNAVAILABLE' && line.request_id === error.headers!.get('x-request-id'),
    );
    expect(failed?.upstream).toMatchObject({ provider: 'solo', status: 500, body: expect.stringMatching(/…\[truncated\]$/) });
  });

  it('refuses a non-streamed answer past maxAnswerBytes as UPSTREAM_BAD_RESPONSE and stops reading it', async () => {
    const error = await failure({ kind: 'huge-answer', bytes: 5 * 1024 * 1024 });
    expect(error.status).toBe(502);
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    await Promise.all(upstream.requests.map((r) => r.closed));
    expect(upstream.requests.every((r) => r.clientAborted)).toBe(true);
  });

  it('serves an answer under the limit whole', async () => {
    upstream.enqueue({ kind: 'huge-answer', bytes: 512 * 1024 });
    const answer = await client.chat.completions.create(ask);
    expect(answer.choices[0].message.content).toHaveLength(512 * 1024);
  });
});
