import { EventSource } from 'eventsource';
import OpenAI from 'openai';
import { createTestApp, TestApp } from '../support/create-test-app';
import { twoUpstreamModels, writeModelsFile } from '../support/models-file';
import { contentOf, readSse } from '../support/sse-client';
import { startTestUpstream, TestUpstream } from '../upstream';

const ANSWER = 'One answer, streamed in ten chunks, that must arrive whole and exactly once.';
const body = (text = ANSWER) => ({ model: 'chat', stream: true, messages: [{ role: 'user', content: `echo:${text}` }] });
const headers = (key: string, extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  authorization: `Bearer ${key}`,
  ...extra,
});

describe('resumable streams (memory buffer)', () => {
  let upstream: TestUpstream;
  let backup: TestUpstream;
  let t: TestApp;

  beforeAll(async () => {
    // Slow enough that the answer is still being generated when the first reader leaves.
    [upstream, backup] = await Promise.all([
      startTestUpstream({ name: 'primary', chunks: 10, chunkDelayMs: 40 }),
      startTestUpstream({ name: 'backup' }),
    ]);
    t = await createTestApp({
      listen: true,
      env: {
        MODELS_FILE: writeModelsFile(twoUpstreamModels(upstream.url, backup.url)),
        API_KEYS: 'key-a,key-b',
        STREAM_RESUME_GRACE_MS: '5000',
      },
    });
  });
  afterEach(() => {
    upstream.reset();
    backup.reset();
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([upstream.close(), backup.close()]);
  });

  const completionTokens = async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('ballast_model_tokens_total{') && l.includes('kind="completion"'));
    return Number(line?.split(' ').at(-1) ?? 0);
  };

  it('an SDK reader drops after 3 chunks, a re-POST with Last-Event-ID gets the rest exactly once, the upstream generated once', async () => {
    const tokensBefore = await completionTokens();
    const client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: 'key-a', maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions
      .create(body() as OpenAI.ChatCompletionCreateParamsStreaming, { headers: { 'X-Ballast-Resumable': 'true' } })
      .withResponse();
    const requestId = response.headers.get('x-request-id')!;
    let first = '';
    let seen = 0;
    for await (const chunk of stream) {
      first += chunk.choices[0]?.delta?.content ?? '';
      if (++seen === 3) {
        break; // the SDK aborts its fetch: the reader is gone
      }
    }
    expect(first.length).toBeGreaterThan(0);

    const resumed = await readSse(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: headers('key-a', { 'last-event-id': `${requestId}:2` }),
      body: JSON.stringify(body()),
    });
    expect(resumed.status).toBe(200);
    expect(resumed.events[0].id).toBe(`${requestId}:3`);
    expect(resumed.events.at(-1)!.data).toBe('[DONE]');
    expect(first + contentOf(resumed.events)).toBe(ANSWER);
    expect(upstream.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
    expect(upstream.requests[0].clientAborted).toBe(false);
    // Tokens counted once, by the generation: the test upstream's usage is one token per four characters.
    expect((await completionTokens()) - tokensBefore).toBe(Math.ceil(ANSWER.length / 4));
  });

  it('GET /v1/chat/streams/{id} driven by EventSource reconnects by itself with Last-Event-ID and completes the answer', async () => {
    const firstLeg = await readSse(
      `${t.url}/v1/chat/completions`,
      { method: 'POST', headers: headers('key-a', { 'x-ballast-resumable': 'true' }), body: JSON.stringify(body()) },
      3,
    );
    const requestId = firstLeg.headers.get('x-request-id')!;
    expect(firstLeg.events.map((e) => e.id)).toEqual([0, 1, 2].map((seq) => `${requestId}:${seq}`));

    // The EventSource's first connection is cut after two more events; it reconnects with the last id it saw.
    let connections = 0;
    const sentLastEventIds: Array<string | null> = [];
    const cutting: typeof fetch = async (input, init) => {
      connections++;
      sentLastEventIds.push(new Headers(init?.headers).get('last-event-id'));
      const res = await fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: 'Bearer key-a' } });
      return connections === 1 ? cutAfterEvents(res, 2) : res;
    };
    const datas: string[] = [];
    const ids: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const source = new EventSource(`${t.url}/v1/chat/streams/${encodeURIComponent(requestId)}?after=2`, { fetch: cutting });
      source.onmessage = (message) => {
        if (message.data === '[DONE]') {
          source.close();
          resolve();
          return;
        }
        datas.push(message.data);
        ids.push(message.lastEventId);
      };
      source.addEventListener('error', (event) => {
        if ((event as { code?: number }).code !== undefined && (event as { code?: number }).code! >= 400) {
          source.close();
          reject(new Error(`EventSource failed: ${String((event as { message?: string }).message)}`));
        }
      });
    });
    expect(connections).toBe(2);
    expect(sentLastEventIds).toEqual([null, `${requestId}:4`]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(contentOf(firstLeg.events) + contentOf(datas.map((data) => ({ data, event: undefined, id: undefined })))).toBe(ANSWER);
    expect(upstream.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
  });

  it('answers an unknown id and another key’s id with the same 404 STREAM_NOT_FOUND, and asks no upstream (expired: replay-buffer-bounds)', async () => {
    const finished = await readSse(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: headers('key-a', { 'x-ballast-resumable': 'true' }),
      body: JSON.stringify(body('short')),
    });
    const requestId = finished.headers.get('x-request-id')!;
    upstream.reset();

    const asked = async (key: string, id: string, via: 'get' | 'post') => {
      const read =
        via === 'get'
          ? await readSse(`${t.url}/v1/chat/streams/${encodeURIComponent(id)}`, { headers: headers(key) })
          : await readSse(`${t.url}/v1/chat/completions`, {
              method: 'POST',
              headers: headers(key, { 'last-event-id': `${id}:0` }),
              body: JSON.stringify(body('short')),
            });
      return { status: read.status, code: read.problem?.code, detail: read.problem?.detail };
    };
    const unknown = await asked('key-a', 'no-such-stream', 'get');
    const foreign = await asked('key-b', requestId, 'get');
    const foreignPost = await asked('key-b', requestId, 'post');
    expect(unknown).toEqual({ status: 404, code: 'STREAM_NOT_FOUND', detail: expect.any(String) });
    expect(foreign).toEqual(unknown);
    expect(foreignPost).toEqual(unknown);
    // The owner still can.
    expect((await asked('key-a', requestId, 'get')).status).toBe(200);
    expect(upstream.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(0);
  });

  it('refuses a resumable request whose X-Request-Id names a buffered stream, before asking the upstream', async () => {
    const init = (key: string) => ({
      method: 'POST',
      headers: headers(key, { 'x-ballast-resumable': 'true', 'x-request-id': 'chosen-by-the-client-1' }),
      body: JSON.stringify(body('mine')),
    });
    const first = await readSse(`${t.url}/v1/chat/completions`, init('key-a'));
    expect(contentOf(first.events)).toBe('mine');
    const second = await readSse(`${t.url}/v1/chat/completions`, init('key-b'));
    expect(second.status).toBe(400);
    expect(second.problem?.code).toBe('VALIDATION_FAILED');
    expect(upstream.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
    // The first owner's stream is untouched.
    const again = await readSse(`${t.url}/v1/chat/streams/chosen-by-the-client-1`, { headers: headers('key-a') });
    expect(contentOf(again.events)).toBe('mine');
  });

  it('keeps plain streams out of the buffer', async () => {
    const plain = await readSse(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: headers('key-a'),
      body: JSON.stringify(body()),
    });
    const requestId = plain.headers.get('x-request-id')!;
    expect(contentOf(plain.events)).toBe(ANSWER);
    const resumed = await readSse(`${t.url}/v1/chat/streams/${encodeURIComponent(requestId)}`, { headers: headers('key-a') });
    expect(resumed.problem?.code).toBe('STREAM_NOT_FOUND');
  });
});

/** A response whose body ends cleanly after `n` events: the server's stream goes on, the client's connection is "lost". */
function cutAfterEvents(res: Response, n: number): Response {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      text += decoder.decode(value, { stream: true });
      const events = text.split('\n\n');
      if (events.length - 1 >= n) {
        controller.enqueue(new TextEncoder().encode(`${events.slice(0, n).join('\n\n')}\n\n`));
        controller.close();
        await reader.cancel();
        return;
      }
      // Hold back what is not yet a whole event until the cut point is known.
    },
  });
  return new Response(body, { status: res.status, headers: res.headers });
}

describe('resumable streams: generation outlives the reader for the grace period only', () => {
  const GRACE_MS = 400;
  let upstream: TestUpstream;
  let t: TestApp;

  beforeAll(async () => {
    // Ten chunks 200 ms apart: the generation would take 2 s, far longer than the grace.
    upstream = await startTestUpstream({ name: 'primary', chunks: 10, chunkDelayMs: 200 });
    t = await createTestApp({
      listen: true,
      env: { MODELS_FILE: writeModelsFile(twoUpstreamModels(upstream.url, upstream.url)), STREAM_RESUME_GRACE_MS: String(GRACE_MS) },
    });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  it('keeps generating while nobody reads, stops after the grace, and a late resume ends with an error event', async () => {
    const first = await readSse(
      `${t.url}/v1/chat/completions`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'x-ballast-resumable': 'true' }, body: JSON.stringify(body()) },
      2,
    );
    const leftAt = performance.now();
    const requestId = first.headers.get('x-request-id')!;
    const [call] = upstream.requests;
    const closedAt = await call.closed;
    expect(call.clientAborted).toBe(true);
    expect(closedAt - leftAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect(closedAt - leftAt).toBeLessThan(GRACE_MS + 1500);

    const late = await readSse(`${t.url}/v1/chat/streams/${requestId}?after=1`, {});
    const last = late.events.at(-1)!;
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data)).toMatchObject({ error: { code: 'CLIENT_CLOSED_REQUEST', request_id: requestId } });
    expect(upstream.requests).toHaveLength(1);
  });
});
