import OpenAI from 'openai';
import { createTestApp, TestApp } from '../support/create-test-app';
import { writeModelsFile } from '../support/models-file';
import { startTestUpstream, TestUpstream } from '../upstream';
import { edgeModels } from './provider-models';

const CHUNKS = 12;
const ask = { model: 'chat', messages: [{ role: 'user' as const, content: 'echo:abcdefghijkl' }], stream: true as const };

/** Reads a raw SSE response to the end: its events as [event name, data]. */
async function rawEvents(url: string): Promise<Array<[string, string]>> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ask),
  });
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => /^(event|data):/m.test(block))
    .map((block) => [/^event: (.*)$/m.exec(block)?.[1] ?? 'message', /^data: (.*)$/m.exec(block)?.[1] ?? '']);
}

describe('upstream SSE through Ballast: bad events and huge lines', () => {
  let upstream: TestUpstream;
  let t: TestApp;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startTestUpstream({ chunks: CHUNKS });
    t = await createTestApp({ listen: true, env: { MODELS_FILE: writeModelsFile(edgeModels(upstream.url)) } });
    client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterEach(() => upstream.reset());
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  const badEventsCounted = async (): Promise<number> => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    return Number(/^ballast_upstream_bad_events_total\{provider="solo"\} (\d+)$/m.exec(text)?.[1]);
  };

  it('skips a 10th event that is not JSON: every other chunk and the end arrive, the counter and a warn line say so', async () => {
    const counted = await badEventsCounted();
    upstream.enqueue({ kind: 'bad-events', at: 10, count: 1 });
    const stream = await client.chat.completions.create(ask).withResponse();
    let text = '';
    let chunks = 0;
    for await (const chunk of stream.data) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(chunks).toBe(CHUNKS);
    expect(text).toBe('abcdefghijkl');
    expect(await badEventsCounted()).toBe(counted + 1);
    const requestId = stream.response.headers.get('x-request-id')!;
    const warned = t.logs.lines.filter((line) => line.msg === 'skipped an upstream event that is not JSON');
    expect(warned).toEqual([expect.objectContaining({ level: 'warn', request_id: requestId, provider: 'solo', bad_events: 1 })]);
    expect(JSON.stringify(t.logs.lines.filter((line) => line.level === 'info' || line.level === 'warn'))).not.toContain(
      'chatcmpl-malformed',
    );
    expect(upstream.requests).toHaveLength(1);
  });

  it('ends a stream with many bad events with UPSTREAM_BAD_RESPONSE after the chunks before them', async () => {
    upstream.enqueue({ kind: 'bad-events', at: 3, count: 5 });
    const events = await rawEvents(t.url!);
    const [name, data] = events.at(-1)!;
    expect(name).toBe('error');
    expect(JSON.parse(data)).toMatchObject({ error: { code: 'UPSTREAM_BAD_RESPONSE' }, partial: { chunks: 2 } });
    expect(events.filter(([event]) => event === 'message')).toHaveLength(2);
  });

  it('ends a stream whose upstream sends one 20 MB line with UPSTREAM_BAD_RESPONSE, and stops reading it', async () => {
    upstream.enqueue({ kind: 'huge-line', bytes: 20 * 1024 * 1024 });
    const events = await rawEvents(t.url!);
    expect(events.at(-1)?.[0]).toBe('error');
    expect(JSON.parse(events.at(-1)![1])).toMatchObject({ error: { code: 'UPSTREAM_BAD_RESPONSE' } });
    await upstream.requests[0].closed;
    expect(upstream.requests[0].clientAborted).toBe(true);
  });

  it('refuses a stream whose first event is already past the limit before it began, as a problem (and retries it)', async () => {
    upstream.enqueue(
      { kind: 'bad-events', at: 1, count: 4 },
      { kind: 'bad-events', at: 1, count: 4 },
      { kind: 'bad-events', at: 1, count: 4 },
    );
    const error = await client.chat.completions.create(ask).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: 'UPSTREAM_BAD_RESPONSE' });
    expect(upstream.requests).toHaveLength(3);
  });
});
