import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import OpenAI, { APIConnectionError, APIUserAbortError, BadRequestError, InternalServerError, RateLimitError } from 'openai';
import { DEFAULT_REPLY, parseFault, startTestUpstream, TestUpstream } from './index';

const ask = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('test upstream', () => {
  let upstream: TestUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startTestUpstream();
    client = new OpenAI({ baseURL: upstream.url, apiKey: 'x', maxRetries: 0 });
  });
  afterEach(() => upstream.reset());
  afterAll(() => upstream.close());

  it('answers a chat completion in the OpenAI shape and records the request', async () => {
    const res = await client.chat.completions.create(ask);
    expect(res).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      model: 'gpt-test',
      choices: [{ index: 0, message: { role: 'assistant', content: DEFAULT_REPLY }, finish_reason: 'stop', logprobs: null }],
    });
    expect(DEFAULT_REPLY.length).toBeGreaterThanOrEqual(450);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: ask, clientAborted: false });
    expect(upstream.requests[0].headers.authorization).toBe('Bearer x');
    expect(await upstream.requests[0].closed).toBeGreaterThanOrEqual(upstream.requests[0].receivedAt);
  });

  it('echoes "echo:" messages and keeps image parts in the recorded body', async () => {
    const res = await client.chat.completions.create({
      model: 'vision',
      messages: [
        { role: 'user', content: 'first' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'echo:what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ],
    });
    expect(res.choices[0].message.content).toBe('what is this?');
    expect(upstream.requests[0].body.messages[1].content[1].type).toBe('image_url');
    expect(res.usage!.prompt_tokens).toBeGreaterThanOrEqual(85);
  });

  it('streams chunks, usage and [DONE]', async () => {
    const stream = await client.chat.completions.create({ ...ask, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
    }
    expect(chunks).toHaveLength(6);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks[4].choices[0].finish_reason).toBe('stop');
    expect(
      chunks
        .slice(0, 5)
        .map((c) => c.choices[0].delta.content)
        .join(''),
    ).toBe(DEFAULT_REPLY);
    expect(chunks[5].choices).toEqual([]);
    expect(chunks[5].usage).toMatchObject({ completion_tokens: expect.any(Number), total_tokens: expect.any(Number) });
  });

  it('streams the raw SSE wire format', async () => {
    const res = await fetch(`${upstream.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ ...ask, stream: true }) });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    expect(text.match(/^data: \{/gm)).toHaveLength(5);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('surfaces a 429 with Retry-After as a RateLimitError', async () => {
    upstream.enqueue({ kind: 'status', status: 429, headers: { 'Retry-After': '1' } });
    const err = await client.chat.completions.create(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).headers.get('retry-after')).toBe('1');
    await expect(client.chat.completions.create(ask)).resolves.toBeDefined(); // the queue is consumed
  });

  it('sends status faults with string and object bodies', async () => {
    const leak = '[address=0.0.0.0:28264, pid=8336] Model not found, uid: qwen2-vl-instruct-0';
    const tooLong = { error: { message: "This model's maximum context length is 4096 tokens", code: 'context_length_exceeded' } };
    upstream.enqueue({ kind: 'status', status: 500, body: leak }, { kind: 'status', status: 400, body: tooLong });
    const first = await fetch(`${upstream.url}/chat/completions`, { method: 'POST', body: '{}' });
    expect(first.status).toBe(500);
    expect(await first.text()).toBe(leak);
    const err = await client.chat.completions.create(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).code).toBe('context_length_exceeded');
  });

  it('records a hung request the client aborts', async () => {
    upstream.enqueue({ kind: 'hang' });
    const abort = new AbortController();
    const pending = client.chat.completions.create(ask, { signal: abort.signal });
    await upstream.waitForRequests(1);
    abort.abort();
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    const closedAt = await upstream.requests[0].closed;
    expect(closedAt).toBeGreaterThan(upstream.requests[0].receivedAt);
    expect(upstream.requests[0].clientAborted).toBe(true);
  });

  it('drops a stream after K chunks', async () => {
    upstream.enqueue({ kind: 'drop-stream', afterChunks: 2 });
    const stream = await client.chat.completions.create({ ...ask, stream: true });
    const seen: string[] = [];
    const iterate = async (): Promise<void> => {
      for await (const chunk of stream) {
        seen.push(chunk.choices[0].delta.content ?? '');
      }
    };
    await expect(iterate()).rejects.toThrow();
    expect(seen).toHaveLength(2);
    expect(upstream.requests[0].clientAborted).toBe(false);
  });

  it('answers malformed JSON, streaming or not', async () => {
    upstream.enqueue({ kind: 'malformed' }, { kind: 'malformed' });
    const res = await fetch(`${upstream.url}/chat/completions`, { method: 'POST', body: JSON.stringify(ask) });
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow(/JSON/);
    const stream = await client.chat.completions.create({ ...ask, stream: true });
    let chunks = 0;
    const iterate = async (): Promise<void> => {
      for await (const _ of stream) {
        chunks++;
      }
    };
    await expect(iterate()).rejects.toThrow();
    expect(chunks).toBe(1);
  });

  it('resets the connection', async () => {
    upstream.enqueue({ kind: 'reset' });
    const err = await client.chat.completions.create(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIConnectionError);
  });

  it('delays, drips and falls silent', async () => {
    upstream.enqueue({ kind: 'latency', ms: 60 }, { kind: 'silence', ms: 60 });
    let started = performance.now();
    await client.chat.completions.create(ask);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);

    // Measured from the request, not between reads: a loaded machine may read the first chunk late, never the second early.
    started = performance.now();
    const stream = await client.chat.completions.create({ ...ask, stream: true });
    const at: number[] = [];
    for await (const _ of stream) {
      at.push(performance.now());
    }
    expect(at).toHaveLength(5);
    expect(at[1] - started).toBeGreaterThanOrEqual(55);

    upstream.enqueue({ kind: 'drip', intervalMs: 15 });
    started = performance.now();
    for await (const _ of await client.chat.completions.create({ ...ask, stream: true })) {
      // drain
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 15 - 5);
  });

  it('stamps each dripped chunk with the time it was written, when asked', async () => {
    upstream.enqueue({ kind: 'drip', intervalMs: 10, stamped: true });
    const stamps: Array<{ sent: number; arrived: number }> = [];
    for await (const chunk of await client.chat.completions.create({ ...ask, stream: true })) {
      stamps.push({ sent: (chunk as unknown as { sent_at_ms: number }).sent_at_ms, arrived: performance.timeOrigin + performance.now() });
    }
    expect(stamps).toHaveLength(5);
    for (const [i, { sent, arrived }] of stamps.entries()) {
      expect(sent).toBeLessThanOrEqual(arrived);
      expect(sent).toBeGreaterThan(i === 0 ? 0 : stamps[i - 1].sent + 5);
    }
    upstream.enqueue({ kind: 'drip', intervalMs: 1 });
    for await (const chunk of await client.chat.completions.create({ ...ask, stream: true })) {
      expect(chunk).not.toHaveProperty('sent_at_ms');
    }
  });

  it('applies a default fault while the queue is empty, and random-status by its rate', async () => {
    upstream.setDefault({ kind: 'status', status: 503 });
    upstream.enqueue({ kind: 'latency', ms: 0 });
    await expect(client.chat.completions.create(ask)).resolves.toBeDefined();
    await expect(client.chat.completions.create(ask)).rejects.toBeInstanceOf(InternalServerError);
    upstream.setDefault({ kind: 'random-status', rate: 1, status: 502 });
    await expect(client.chat.completions.create(ask)).rejects.toMatchObject({ status: 502 });
    upstream.setDefault({ kind: 'random-status', rate: 0, status: 502 });
    await expect(client.chat.completions.create(ask)).resolves.toBeDefined();
    upstream.setDefault(undefined);
    await expect(client.chat.completions.create(ask)).resolves.toBeDefined();
  });

  it('applies another fault at a seeded rate with "sometimes", the same way for the same seed', async () => {
    const outcomes = async (seed: number): Promise<string> => {
      const seeded = await startTestUpstream({ seed });
      try {
        const seededClient = new OpenAI({ baseURL: seeded.url, apiKey: 'x', maxRetries: 0 });
        seeded.setDefault({ kind: 'sometimes', rate: 0.3, fault: { kind: 'status', status: 503 } });
        let pattern = '';
        for (let i = 0; i < 40; i++) {
          pattern += await seededClient.chat.completions.create(ask).then(
            () => '.',
            () => 'x',
          );
        }
        return pattern;
      } finally {
        await seeded.close();
      }
    };

    const first = await outcomes(7);
    const again = await outcomes(7);
    const other = await outcomes(8);

    expect(again).toBe(first);
    expect(other).not.toBe(first);
    const failed = first.split('').filter((c) => c === 'x').length;
    expect(failed).toBeGreaterThan(4);
    expect(failed).toBeLessThan(20);
  });

  it('slows calls past a number in flight with "load-latency", and counts calls in flight', async () => {
    upstream.setDefault({ kind: 'load-latency', ms: 500, aboveInFlight: 2, slowMs: 1000 });
    const timed = async () => {
      const started = performance.now();
      await client.chat.completions.create(ask);
      return performance.now() - started;
    };

    const first = [timed(), timed()];
    await upstream.waitForRequests(2);
    expect(upstream.inFlight).toBe(2);
    const third = await timed();

    for (const duration of await Promise.all(first)) {
      expect(duration).toBeGreaterThanOrEqual(495);
      expect(duration).toBeLessThan(990);
    }
    expect(third).toBeGreaterThanOrEqual(995);
    expect(upstream.maxInFlight).toBe(3);
    expect(upstream.inFlight).toBe(0);
    upstream.reset();
    expect(upstream.maxInFlight).toBe(0);
  });

  it('refuses malformed "sometimes" and "load-latency" faults', () => {
    expect(() => parseFault({ kind: 'sometimes', rate: 2, fault: { kind: 'hang' } })).toThrow('"rate" must be between 0 and 1');
    expect(() => parseFault({ kind: 'sometimes', rate: 0.2, fault: { kind: 'nope' } })).toThrow('unknown fault kind "nope"');
    expect(() => parseFault({ kind: 'load-latency', ms: 10, slowMs: 20 })).toThrow('"aboveInFlight" must be a non-negative integer');
    expect(parseFault({ kind: 'sometimes', rate: 0.2, fault: { kind: 'latency', ms: 5000 } })).toEqual({
      kind: 'sometimes',
      rate: 0.2,
      fault: { kind: 'latency', ms: 5000 },
    });
  });

  it('lists models, answers 404 on unknown paths and records both', async () => {
    const models = await client.models.list();
    expect(models.data).toEqual([{ id: 'test-model', object: 'model', created: expect.any(Number), owned_by: 'test-upstream' }]);
    const res = await fetch(`${upstream.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { message: expect.any(String) } });
    expect(upstream.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models', 'GET /v1/nope']);
  });

  it('is scriptable over HTTP through /__control', async () => {
    const base = upstream.url.replace(/\/v1$/, '');
    const post = (path: string, body?: unknown): Promise<Response> =>
      fetch(`${base}/__control/${path}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });

    expect((await post('enqueue', [{ kind: 'status', status: 503 }, { kind: 'hang-up' }])).status).toBe(400);
    expect(await (await post('enqueue', [{ kind: 'status', status: 503 }])).json()).toEqual({ queued: 1 });
    await expect(client.chat.completions.create(ask)).rejects.toMatchObject({ status: 503 });
    expect((await post('default', { kind: 'status', status: 500 })).status).toBe(200);
    await expect(client.chat.completions.create(ask)).rejects.toMatchObject({ status: 500 });
    expect((await post('default', null)).status).toBe(200);
    await expect(client.chat.completions.create(ask)).resolves.toBeDefined();

    const recorded = (await (await fetch(`${base}/__control/requests`)).json()) as Record<string, unknown>[];
    expect(recorded.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions', '/v1/chat/completions']);
    expect(recorded[0]).toMatchObject({ method: 'POST', body: ask, clientAborted: false, receivedAt: expect.any(Number) });
    expect(recorded[0]).not.toHaveProperty('closed');

    await post('enqueue', { kind: 'status', status: 503 });
    expect((await post('reset')).status).toBe(200);
    expect(upstream.requests).toHaveLength(0);
    await expect(client.chat.completions.create(ask)).resolves.toBeDefined();
  });

  it('waits for chat requests by event, counting from the last reset', async () => {
    const second = upstream.waitForRequests(2);
    let done = false;
    void second.then(() => (done = true));
    await client.chat.completions.create(ask);
    await client.models.list();
    expect(done).toBe(false);
    await client.chat.completions.create(ask);
    await second;
    await expect(upstream.waitForRequests(2)).resolves.toBeUndefined();
  });
});

describe('test upstream lifecycle', () => {
  it('closes without hanging while a request hangs', async () => {
    const upstream = await startTestUpstream();
    upstream.setDefault({ kind: 'hang' });
    const pending = fetch(`${upstream.url}/chat/completions`, { method: 'POST', body: JSON.stringify(ask) });
    await upstream.waitForRequests(1);
    await upstream.close();
    await expect(pending).rejects.toThrow();
    await upstream.requests[0].closed;
    expect(upstream.requests[0].clientAborted).toBe(false);
    await upstream.close(); // idempotent
  });

  it('keeps no requests when recording is off', async () => {
    const upstream = await startTestUpstream({ record: false, reply: 'ok', chunks: 1 });
    try {
      const client = new OpenAI({ baseURL: upstream.url, apiKey: 'x', maxRetries: 0 });
      const res = await client.chat.completions.create(ask);
      expect(res.choices[0].message.content).toBe('ok');
      await upstream.waitForRequests(1);
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await upstream.close();
    }
  });

  it('runs standalone from main.ts and exits cleanly on SIGTERM', async () => {
    const child: ChildProcess = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'main.ts')], {
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', UPSTREAM_FAULT_RATE: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    const [line] = (await once(child.stdout!.setEncoding('utf8'), 'data')) as [string];
    const { msg, port } = JSON.parse(line) as { msg: string; port: number };
    expect(msg).toBe('test upstream listening');
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(ask) });
    expect(res.status).toBe(503);
    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
  });
});
