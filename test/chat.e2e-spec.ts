import OpenAI from 'openai';
import request from 'supertest';
import { createTestApp, TestApp } from './support/create-test-app';
import { twoUpstreamModels, writeModelsFile } from './support/models-file';
import { startTestUpstream, TestUpstream } from './upstream';

/** Reads a raw SSE response body to the end. */
async function rawStream(url: string, body: object): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('chat completions through Ballast with the official openai SDK', () => {
  let primary: TestUpstream;
  let backup: TestUpstream;
  let t: TestApp;
  let client: OpenAI;

  beforeAll(async () => {
    [primary, backup] = await Promise.all([startTestUpstream({ name: 'primary' }), startTestUpstream({ name: 'backup' })]);
    t = await createTestApp({
      listen: true,
      env: {
        MODELS_FILE: writeModelsFile(twoUpstreamModels(primary.url, backup.url, { idleTimeoutMs: 600 })),
        SSE_KEEPALIVE_MS: '100',
      },
    });
    client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterEach(() => {
    primary.reset();
    backup.reset();
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([primary.close(), backup.close()]);
  });

  it('answers a non-streaming request intact, saying which entry served', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'chat', messages: [{ role: 'user', content: 'echo:hi there' }] })
      .withResponse();
    expect(data.choices[0].message.content).toBe('hi there');
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.model).toBe('primary-model');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-model-used')).toBe('chat/primary/primary-model');
    expect(response.headers.get('x-fallback-used')).toBe('false');
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('streams every chunk in order, with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'echo:one two three four' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let model = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
      model = chunk.model;
    }
    expect(text).toBe('one two three four');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(model).toBe('primary-model');
  });

  it('writes the SSE grammar: ids, headers, [DONE], no usage chunk unless asked', async () => {
    const { status, headers, text } = await rawStream(t.url!, {
      model: 'chat',
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
    });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(headers.get('cache-control')).toMatch(/no-cache/);
    expect(headers.get('x-accel-buffering')).toBe('no');
    const requestId = headers.get('x-request-id');
    const ids = [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1]);
    expect(ids).toEqual(ids.map((_, i) => `${requestId}:${i}`));
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text).not.toContain('"usage":{');
  });

  it('turns a stream dropped after 2 chunks into an error event the SDK throws', async () => {
    primary.enqueue({ kind: 'drop-stream', afterChunks: 2 });
    const stream = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hello' }], stream: true });
    let received = 0;
    let thrown: unknown;
    try {
      for await (const _chunk of stream) {
        received++;
      }
    } catch (error) {
      thrown = error;
    }
    expect(received).toBe(2);
    expect(thrown).toBeInstanceOf(OpenAI.APIError);
    expect((thrown as InstanceType<typeof OpenAI.APIError>).code).toBe('UPSTREAM_UNAVAILABLE');

    primary.enqueue({ kind: 'drop-stream', afterChunks: 2 });
    const raw = await rawStream(t.url!, { model: 'chat', messages: [{ role: 'user', content: 'hello' }], stream: true });
    const errorEvent = raw.text.split('\n\n').find((event) => event.startsWith('event: error'));
    const data = JSON.parse(
      errorEvent!
        .split('\n')
        .find((line) => line.startsWith('data: '))!
        .slice(6),
    );
    expect(data).toMatchObject({
      error: { code: 'UPSTREAM_UNAVAILABLE', retryable: true, request_id: raw.headers.get('x-request-id') },
      partial: { chunks: 2 },
    });
    expect(raw.text).not.toContain('[DONE]');
  });

  it('aborts the upstream within a second when the client leaves a slow stream', async () => {
    primary.enqueue({ kind: 'drip', intervalMs: 200 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'chat', messages: [{ role: 'user', content: 'hello' }], stream: true },
      { signal: controller.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const abortedAt = performance.now();
    controller.abort();
    const closedAt = await primary.requests[0].closed;
    expect(closedAt - abortedAt).toBeLessThan(1000);
    expect(primary.requests[0].clientAborted).toBe(true);
  });

  it('aborts the upstream within a second when the client leaves a slow non-streaming call', async () => {
    primary.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const pending = client.chat.completions.create(
      { model: 'chat', messages: [{ role: 'user', content: 'hi' }] },
      { signal: controller.signal },
    );
    await primary.waitForRequests(1);
    const abortedAt = performance.now();
    controller.abort();
    await expect(pending).rejects.toThrow();
    const closedAt = await primary.requests[0].closed;
    expect(closedAt - abortedAt).toBeLessThan(1000);
    const line = t.logs.lines.find((l) => l.msg === 'request completed' && l.status === 499);
    expect(line).toMatchObject({ route: '/v1/chat/completions', code: 'CLIENT_CLOSED_REQUEST' });
  });

  it('sends keep-alive comments while the upstream is quiet, then ends with MODEL_TIMEOUT at the idle limit', async () => {
    primary.enqueue({ kind: 'silence', ms: 5000 });
    const raw = await rawStream(t.url!, { model: 'chat', messages: [{ role: 'user', content: 'hello' }], stream: true });
    expect(raw.text).toMatch(/^: keep-alive$/m);
    const errorEvent = raw.text.split('\n\n').find((event) => event.startsWith('event: error'));
    expect(errorEvent).toContain('"code":"MODEL_TIMEOUT"');
  });

  it('serves a stream from the backup when the primary fails before the first chunk', async () => {
    primary.setDefault({ kind: 'status', status: 503 });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'chat', messages: [{ role: 'user', content: 'echo:from backup' }], stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe('from backup');
    expect(response.headers.get('x-fallback-used')).toBe('true');
    expect(response.headers.get('x-model-used')).toBe('chat/backup/backup-model');
  });

  it.each([
    ['empty messages', { model: 'chat', messages: [] }, 'messages'],
    ['a bad role', { model: 'chat', messages: [{ role: 'wizard', content: 'hi' }] }, 'messages[0].role'],
    ['temperature 9', { model: 'chat', messages: [{ role: 'user', content: 'hi' }], temperature: 9 }, 'temperature'],
    ['empty content', { model: 'chat', messages: [{ role: 'user', content: '' }] }, 'messages[0].content'],
    ['no model', { messages: [{ role: 'user', content: 'hi' }] }, 'model'],
  ])('refuses %s with VALIDATION_FAILED naming the field', async (_label, body, field) => {
    const res = await request(t.server).post('/v1/chat/completions').send(body).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(primary.requests).toHaveLength(0);
  });

  it('refuses a prompt over the context window before any upstream call', async () => {
    const res = await request(t.server)
      .post('/v1/chat/completions')
      .send({ model: 'small', messages: [{ role: 'user', content: 'word '.repeat(200) }] })
      .expect(400);
    expect(res.body.code).toBe('CONTEXT_LENGTH_EXCEEDED');
    expect(res.body.detail).toMatch(/\d+ tokens/);
    expect(primary.requests).toHaveLength(0);
  });

  it('says MODEL_NOT_FOUND with the names that exist', async () => {
    const res = await request(t.server)
      .post('/v1/chat/completions')
      .send({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] })
      .expect(404);
    expect(res.body.code).toBe('MODEL_NOT_FOUND');
    expect(res.body.detail).toContain('chat');
  });

  it('lists the public models with their health', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id).sort()).toEqual(['chat', 'small']);
    expect((list.data[0] as unknown as { health: string }).health).toBe('up');
  });

  it('completes 200 concurrent streams and returns the open-stream gauge to 0', async () => {
    const runs = Array.from({ length: 200 }, async () => {
      const stream = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], stream: true });
      let chunks = 0;
      for await (const _chunk of stream) {
        chunks++;
      }
      return chunks;
    });
    const counts = await Promise.all(runs);
    expect(counts.every((n) => n > 0)).toBe(true);
    const metrics = await request(t.server).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^ballast_sse_streams_active 0$/m);
  });
});
