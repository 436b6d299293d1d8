import { BallastClient, BallastProblem, StreamEvent } from '@ballast/client';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { generateFixtures } from '../fixtures/generate-fixtures';
import { startCuttingProxy, CuttingProxy } from '../support/cutting-proxy';
import { seededRandom } from '../upstream/seeded-random';
import { replyChunks, startClientRig, ClientRig } from './client-setup';
import { closedPort as freePort } from '../support/closed-port';

const REPLY = 'One two three four five six seven eight nine ten.';
const ask = (text = `echo:${REPLY}`) => ({ model: 'chat', messages: [{ role: 'user' as const, content: text }] });

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const seen: StreamEvent[] = [];
  for await (const event of events) {
    seen.push(event);
  }
  return seen;
}

const deltas = (events: StreamEvent[]) => events.flatMap((e) => (e.type === 'delta' ? [e.text] : []));

describe('@ballast/client against a real Ballast and the test upstream', () => {
  let rig: ClientRig;
  let proxy: CuttingProxy;
  let calls: string[];
  const client = (options: Partial<ConstructorParameters<typeof BallastClient>[0]> = {}) =>
    new BallastClient({
      baseUrl: rig.url,
      random: seededRandom(7),
      fetch: (input, init) => {
        calls.push(`${init.method ?? 'GET'} ${new URL(input).pathname}`);
        return fetch(input, init);
      },
      ...options,
    });

  beforeAll(async () => {
    rig = await startClientRig();
    proxy = await startCuttingProxy(rig.port);
  }, 60_000);
  beforeEach(() => {
    calls = [];
    rig.upstream.reset();
  });
  afterAll(async () => {
    await proxy.close();
    await rig.close();
  });

  it('streams the answer as typed events: open with the request id, deltas, done with the text and usage', async () => {
    const events = await collect(client().stream(ask()));

    expect(events[0]).toEqual({
      type: 'open',
      requestId: rig.upstream.requests[0].headers['x-request-id'],
      model: 'chat/primary/primary-model',
      fallback: false,
    });
    expect(deltas(events)).toEqual(replyChunks(REPLY, 5));
    expect(events.at(-1)).toEqual({ type: 'done', text: REPLY, usage: expect.objectContaining({ completion_tokens: expect.any(Number) }) });
    expect(calls).toEqual(['POST /v1/chat/completions']);
  });

  it('says when a fallback entry answered: open with fallback, then a fallback event', async () => {
    rig.upstream.enqueue({ kind: 'status', status: 503 });

    const events = await collect(client().stream({ ...ask(), model: 'chat-fallback' }));

    expect(events.slice(0, 2)).toEqual([
      { type: 'open', requestId: expect.any(String), model: 'chat-fallback/backup/backup-model', fallback: true },
      { type: 'fallback', model: 'chat-fallback/backup/backup-model' },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', text: REPLY });
  });

  it('answers chat() with the text and what Ballast said about the call', async () => {
    const sut = client();

    const result = await sut.chat(ask());

    expect(result).toMatchObject({ text: REPLY, model: 'chat/primary/primary-model', fallback: false, attempts: 1 });
    expect(result.requestId).toBe(rig.upstream.requests[0].headers['x-request-id']);
  });

  it('keeps the partial text, marked partial, when the upstream breaks a non-resumable stream after 3 chunks, and never asks again', async () => {
    rig.upstream.enqueue({ kind: 'drop-stream', afterChunks: 3 });

    const events = await collect(client().stream(ask(), { resumable: false }));

    const partial = replyChunks(REPLY, 5).slice(0, 3).join('');
    expect(deltas(events).join('')).toBe(partial);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ type: 'error', text: partial, partial: true });
    expect(last.type === 'error' && last.problem).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      requestId: rig.upstream.requests[0].headers['x-request-id'],
    });
    expect(calls).toEqual(['POST /v1/chat/completions']);
    expect(rig.upstream.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
  });

  it('keeps the partial text when the connection to Ballast breaks mid-stream and the stream is not resumable, and never re-asks', async () => {
    rig.upstream.enqueue({ kind: 'drip', intervalMs: 50 });
    proxy.cutNextStreamAfterEvents(3);
    const sut = client({ baseUrl: proxy.url, resumable: false });

    const events = await collect(sut.stream(ask()));

    const partial = replyChunks(REPLY, 5).slice(0, 3).join('');
    expect(events.at(-1)).toMatchObject({ type: 'error', text: partial, partial: true, problem: { code: 'STREAM_INTERRUPTED' } });
    expect(events.filter((e) => e.type === 'resume')).toEqual([]);
    expect(calls).toEqual(['POST /v1/chat/completions']);
  });

  it('stops at once on VALIDATION_FAILED with a typed problem, after exactly one request', async () => {
    const sut = client();

    const problem = await sut.chat({ model: 'chat', messages: [] }).catch((e: unknown) => e);

    expect(problem).toBeInstanceOf(BallastProblem);
    expect(problem).toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 400,
      title: expect.any(String),
      detail: expect.any(String),
      retryable: false,
      requestId: expect.any(String),
      errors: [expect.objectContaining({ field: expect.stringContaining('messages') })],
    });
    expect(calls).toEqual(['POST /v1/chat/completions']);

    const events = await collect(sut.stream({ model: 'chat', messages: [] }));
    expect(events).toEqual([{ type: 'error', problem: expect.objectContaining({ code: 'VALIDATION_FAILED' }), text: '', partial: false }]);
    expect(calls).toHaveLength(2);
  });

  it('waits the Retry-After of a 429 (1 s) before the next attempt', async () => {
    rig.upstream.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    // The test upstream is OpenAI-compatible: pointed at it directly, the client meets a literal 429.
    const sut = client({ baseUrl: new URL(rig.upstream.url).origin });

    const events = await collect(sut.stream(ask()));

    expect(events.find((e) => e.type === 'retry')).toEqual({ type: 'retry', attempt: 2, delayMs: 1000, code: 'BAD_RESPONSE' });
    expect(events.at(-1)).toMatchObject({ type: 'done', text: REPLY });
    const [first, second] = rig.upstream.requests;
    expect(second.receivedAt - first.closedAt!).toBeGreaterThanOrEqual(950);
    expect(second.receivedAt - first.closedAt!).toBeLessThan(3000);
  });

  it("waits Ballast's Retry-After (1 s, from the upstream's 429) before the next attempt", async () => {
    rig.upstream.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });

    const events = await collect(client().stream(ask()));

    expect(events.find((e) => e.type === 'retry')).toEqual({ type: 'retry', attempt: 2, delayMs: 1000, code: 'MODEL_OVERLOADED' });
    expect(events.at(-1)).toMatchObject({ type: 'done', text: REPLY });
    const [first, second] = rig.upstream.requests;
    expect(second.receivedAt - first.closedAt!).toBeGreaterThanOrEqual(950);
    expect(calls).toEqual(['POST /v1/chat/completions', 'POST /v1/chat/completions']);
  });

  it('retries network failures with full-jitter backoff from the injected random, up to maxAttempts', async () => {
    const closedPort = await freePort();
    const sut = client({ baseUrl: `http://127.0.0.1:${closedPort}`, retry: { maxAttempts: 4, baseDelayMs: 40, maxDelayMs: 100 } });

    const events = await collect(sut.stream(ask()));

    const random = seededRandom(7);
    const expected = [1, 2, 3].map((n) => ({
      type: 'retry',
      attempt: n + 1,
      delayMs: Math.floor(random() * Math.min(100, 40 * 2 ** (n - 1))),
      code: 'NETWORK_ERROR',
    }));
    expect(events.filter((e) => e.type === 'retry')).toEqual(expected);
    expect(events.at(-1)).toMatchObject({ type: 'error', problem: { code: 'NETWORK_ERROR' }, partial: false });
    expect(calls).toHaveLength(4);
  });

  it('aborting during a backoff stops at once and cancels the pending attempt', async () => {
    rig.upstream.setDefault({ kind: 'status', status: 503 });
    const controller = new AbortController();
    let abortedAt = 0;

    const run = (async () => {
      for await (const event of client().stream(ask(), { signal: controller.signal })) {
        if (event.type === 'retry') {
          abortedAt = performance.now();
          controller.abort();
        }
      }
    })();

    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - abortedAt).toBeLessThan(200);
    // The retry would have gone out 1 s (Retry-After) after the first attempt; nothing must follow it.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(rig.upstream.requests).toHaveLength(1);
  });

  it('aborting during a stream stops at once, and the upstream sees its connection closed', async () => {
    rig.upstream.enqueue({ kind: 'drip', intervalMs: 300 });
    const controller = new AbortController();
    let abortedAt = 0;
    const seen: StreamEvent[] = [];

    // Not resumable: a resumable stream's generation outlives its reader by design (contract section 4).
    const run = (async () => {
      for await (const event of client().stream(ask(), { signal: controller.signal, resumable: false })) {
        seen.push(event);
        if (event.type === 'delta') {
          abortedAt = performance.now();
          controller.abort();
        }
      }
    })();

    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - abortedAt).toBeLessThan(200);
    expect(deltas(seen)).toHaveLength(1);
    const closedAt = await rig.upstream.requests[0].closed;
    expect(rig.upstream.requests[0].clientAborted).toBe(true);
    expect(closedAt - abortedAt).toBeLessThan(1500);
  });

  it('aborting a non-streaming call stops it at once, and the upstream sees its connection closed', async () => {
    rig.upstream.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const call = client().chat(ask(), { signal: controller.signal });
    await rig.upstream.waitForRequests(1);

    const abortedAt = performance.now();
    controller.abort();

    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - abortedAt).toBeLessThan(200);
    await rig.upstream.requests[0].closed;
    expect(rig.upstream.requests[0].clientAborted).toBe(true);
  });

  it('bounds a hanging call by the deadline', async () => {
    rig.upstream.enqueue({ kind: 'hang' });
    const started = performance.now();

    const problem = await client()
      .chat(ask(), { deadlineMs: 800 })
      .catch((e: unknown) => e);

    const elapsed = performance.now() - started;
    expect(problem).toMatchObject({ name: 'BallastProblem', code: 'DEADLINE_EXCEEDED' });
    expect(elapsed).toBeGreaterThanOrEqual(780);
    expect(elapsed).toBeLessThan(1600);
    await rig.upstream.requests[0].closed;
  });

  it('bounds retries by the deadline: no wait that would end past it', async () => {
    rig.upstream.setDefault({ kind: 'status', status: 503 });
    const started = performance.now();

    const events = await collect(client({ retry: { maxAttempts: 10 } }).stream(ask(), { deadlineMs: 2500 }));

    const elapsed = performance.now() - started;
    // Attempts at 0 s and 1 s and 2 s (Retry-After: 1); a third wait would end past 2.5 s, so the client stops.
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: 'error', problem: { code: 'UPSTREAM_UNAVAILABLE', retryable: true } });
    expect(elapsed).toBeLessThan(2500);
  });

  describe('vision', () => {
    let invoice: Buffer;
    beforeAll(async () => {
      const fixtures = await generateFixtures();
      invoice = await readFile(fixtures['ocr-text-png'].path);
    }, 60_000);

    it('reads the text of an image with ocr()', async () => {
      const result = await client().ocr({ image: new Uint8Array(invoice), filename: 'invoice.png' });

      expect(result.text).toContain('4711');
      expect(result).toMatchObject({ model: 'ocr/local/ocr', fallback: false, confidence: expect.any(Number) });
      expect(result.image).toMatchObject({ width: expect.any(Number), corrections: expect.any(Array) });
    });

    it('asks the vision model with analyzeImage(), and reports a fallback', async () => {
      const result = await client().analyzeImage({ image: new Blob([new Uint8Array(invoice)]), prompt: `echo:An invoice.` });
      expect(result).toMatchObject({ text: 'An invoice.', model: 'vision/primary/vision-model', fallback: false });

      rig.upstream.enqueue({ kind: 'status', status: 503 });
      const fallback = await client().analyzeImage({ image: invoice, prompt: 'What is this?' });
      expect(fallback).toMatchObject({ model: 'vision/local/ocr', fallback: true });
      expect(fallback.text).toContain('4711');
    });
  });
});
