import { createTestApp, TestApp } from './support/create-test-app';
import { twoUpstreamModels, writeModelsFile } from './support/models-file';
import { startTestUpstream, TestUpstream } from './upstream';

/** What a real upstream may send and a JSON.parse + JSON.stringify would change: spacing, escapes, `1.0`, key order. */
const UPSTREAM_ANSWER =
  '{ "object": "chat.completion", "id": "chatcmpl-bytes", "created": 1,\n' +
  '  "model": "upstream-own-name",\n' +
  '  "choices": [ { "index": 0, "message": { "role": "assistant", "content": "caf\\u00e9 \\/ 1.0" }, "logprobs": null, "finish_reason": "stop" } ],\n' +
  '  "usage": { "prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10 }, "temperature": 1.0 }\n';

describe('non-streaming chat answers: the upstream bytes passed through, the counts read', () => {
  let upstream: TestUpstream;
  let backup: TestUpstream;
  let t: TestApp;

  beforeAll(async () => {
    [upstream, backup] = await Promise.all([startTestUpstream({ name: 'primary-model' }), startTestUpstream({ name: 'backup-model' })]);
    t = await createTestApp({ listen: true, env: { MODELS_FILE: writeModelsFile(twoUpstreamModels(upstream.url, backup.url)) } });
  });
  afterEach(() => {
    upstream.reset();
    backup.reset();
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([upstream.close(), backup.close()]);
  });

  const ask = () =>
    fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello' }] }),
    });

  it('answers byte for byte what the upstream answered, as JSON, with no ETag, its usage counted', async () => {
    upstream.enqueue({ kind: 'status', status: 200, body: UPSTREAM_ANSWER });

    const res = await ask();

    expect(res.status).toBe(200);
    expect(await res.text()).toBe(UPSTREAM_ANSWER);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(UPSTREAM_ANSWER)));
    expect(res.headers.get('etag')).toBeNull();
    expect(res.headers.get('x-model-used')).toBe('chat/primary/primary-model');
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toContain('ballast_model_tokens_total{model="chat",provider="primary",kind="prompt"} 7');
  });

  it('counts a long answer with multi-byte characters in bytes, not characters', async () => {
    const long = UPSTREAM_ANSWER.replace('caf\\u00e9', `${'Grüße, '.repeat(300)}café`);
    upstream.enqueue({ kind: 'status', status: 200, body: long });

    const res = await ask();

    expect(await res.text()).toBe(long);
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(long)));
  });

  it("logs the answer's two token counts in the summary line, not the upstream's whole usage object", async () => {
    upstream.enqueue({ kind: 'status', status: 200, body: UPSTREAM_ANSWER });

    const res = await ask();
    await res.text();

    const summary = t.logs.forRequest(res.headers.get('x-request-id')!).find((line) => line.msg === 'request completed');
    expect(summary?.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3 });
  });
});
