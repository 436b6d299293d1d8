import { createParser, EventSourceMessage } from 'eventsource-parser';
import { createTestApp, TestApp } from '../support/create-test-app';
import { writeModelsFile } from '../support/models-file';
import { contentOf } from '../support/sse-client';
import { startTestUpstream, TestUpstream } from '../upstream';

const FAST = { retries: 1, backoffBaseMs: 5, backoffMaxMs: 20, breaker: { minCalls: 1000 } };
const QUESTION = 'echo:a long answer that breaks in the middle and goes on elsewhere';

/** The whole SSE answer: events, comments, and the raw text. */
async function stream(url: string, model: string) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: QUESTION }] }),
  });
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event), onComment: (comment) => comments.push(comment.trim()) });
  parser.feed(await res.text());
  return { status: res.status, events, comments };
}

describe('continuation: a stream that fails after its first chunks goes on at the next prefill entry', () => {
  let primary: TestUpstream;
  let backup: TestUpstream;
  let t: TestApp;

  beforeAll(async () => {
    [primary, backup] = await Promise.all([
      startTestUpstream({ name: 'primary', chunks: 6 }),
      startTestUpstream({ name: 'backup', chunks: 3 }),
    ]);
    const route = [
      { provider: 'primary', model: 'primary-model' },
      { provider: 'backup', model: 'backup-model', prefill: true },
    ];
    t = await createTestApp({
      listen: true,
      env: {
        MODELS_FILE: writeModelsFile({
          providers: {
            primary: { type: 'openai', baseUrl: primary.url, resilience: FAST },
            backup: { type: 'openai', baseUrl: backup.url, resilience: FAST },
          },
          models: { chat: { continueOnFailure: true, route }, plain: { route } },
        }),
      },
    });
  });
  afterEach(() => {
    primary.reset();
    backup.reset();
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([primary.close(), backup.close()]);
  });

  const continuations = async (outcome: string) => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`ballast_stream_continuations_total{model="chat",outcome="${outcome}"}`));
    return Number(line?.split(' ').at(-1) ?? 0);
  };

  it('upstream drops after 2 chunks: one uninterrupted stream ending in [DONE], the backup got the partial answer as an assistant prefix', async () => {
    const before = await continuations('continued');
    primary.enqueue({ kind: 'drop-stream', afterChunks: 2 });
    const answer = await stream(t.url!, 'chat');
    expect(answer.status).toBe(200);
    expect(answer.events.filter((e) => e.event === 'error')).toEqual([]);
    expect(answer.events.at(-1)!.data).toBe('[DONE]');
    expect(answer.comments).toContain('continued chat/backup/backup-model');

    const partial = contentOf(answer.events.slice(0, 2));
    expect(partial.length).toBeGreaterThan(0);
    const [continuation] = backup.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(continuation.body.messages.at(-1)).toEqual({ role: 'assistant', content: partial });
    expect(continuation.body.messages.slice(0, -1)).toEqual([{ role: 'user', content: QUESTION }]);
    expect(continuation.body.continue_final_message).toBe(true);
    // The ids go on numbering across the switch: one stream.
    const ids = answer.events.filter((e) => e.id).map((e) => Number(e.id!.split(':').at(-1)));
    expect(ids).toEqual(ids.map((_, i) => i));
    expect((await continuations('continued')) - before).toBe(1);
  });

  it('a backup that refuses the prefill (400): the error event carries the ORIGINAL failure’s code', async () => {
    const reference = await stream(t.url!, 'plain'); // the same failure without continuation: today's error event
    primary.reset();
    backup.reset();
    primary.enqueue({ kind: 'drop-stream', afterChunks: 2 });
    const original = await stream(t.url!, 'plain');
    const originalCode = JSON.parse(original.events.at(-1)!.data).error.code;
    expect(reference.events.at(-1)!.data).toBe('[DONE]');

    const failedBefore = await continuations('failed');
    primary.enqueue({ kind: 'drop-stream', afterChunks: 2 });
    backup.enqueue({ kind: 'status', status: 400 });
    const answer = await stream(t.url!, 'chat');
    const last = answer.events.at(-1)!;
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data).error.code).toBe(originalCode);
    expect(originalCode).toBe('UPSTREAM_UNAVAILABLE');
    expect(backup.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
    expect((await continuations('failed')) - failedBefore).toBe(1);
  });
});
