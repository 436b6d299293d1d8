/**
 * Needs the server side of stream resume (contract section 4, issue #14):
 * fails until Ballast keeps resumable streams and serves
 * GET /v1/chat/streams/{request_id} with Last-Event-ID.
 */
import { BallastClient, StreamEvent } from '@ballast/client';
import { performance } from 'node:perf_hooks';
import { startCuttingProxy, CuttingProxy } from '../support/cutting-proxy';
import { seededRandom } from '../upstream/seeded-random';
import { replyChunks, startClientRig, ClientRig } from './client-setup';

const REPLY = 'Alpha bravo charlie delta echo foxtrot golf hotel india juliett.';
const ask = { model: 'chat', messages: [{ role: 'user' as const, content: `echo:${REPLY}` }] };

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const seen: StreamEvent[] = [];
  for await (const event of events) {
    seen.push(event);
  }
  return seen;
}

describe('@ballast/client resumes a broken stream (needs server-side resume)', () => {
  let rig: ClientRig;
  let proxy: CuttingProxy;
  let calls: string[];

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

  const client = () =>
    new BallastClient({
      baseUrl: proxy.url,
      random: seededRandom(3),
      fetch: (input, init) => {
        calls.push(`${init.method ?? 'GET'} ${new URL(input).pathname}`);
        return fetch(input, init);
      },
    });

  it('a forced disconnect after 3 chunks of a resumable stream yields the exact text, once', async () => {
    rig.upstream.enqueue({ kind: 'drip', intervalMs: 80 });
    proxy.cutNextStreamAfterEvents(3);

    const events = await collect(client().stream(ask, { resumable: true }));

    const text = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
    expect(text).toBe(REPLY);
    expect(events.filter((e) => e.type === 'resume')).toEqual([{ type: 'resume', after: 2 }]);
    expect(events.at(-1)).toMatchObject({ type: 'done', text: REPLY });
    const open = events[0];
    expect(calls).toEqual(['POST /v1/chat/completions', `GET /v1/chat/streams/${open.type === 'open' ? open.requestId : ''}`]);
    expect(rig.upstream.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
  });

  it('a resume the server refuses (STREAM_NOT_FOUND) ends with the partial text, marked partial, never a new generation', async () => {
    rig.upstream.enqueue({ kind: 'drip', intervalMs: 30 });
    proxy.cutNextStreamAfterEvents(3);
    // The client asks for a resumable stream, but the header is lost on the way: the server keeps nothing to resume.
    const sut = new BallastClient({
      baseUrl: proxy.url,
      fetch: (input, init) => {
        calls.push(`${init.method ?? 'GET'} ${new URL(input).pathname}`);
        const headers = new Headers(init.headers);
        headers.delete('x-ballast-resumable');
        return fetch(input, { ...init, headers });
      },
    });

    const events = await collect(sut.stream(ask, { resumable: true }));

    const partial = replyChunks(REPLY, 5).slice(0, 3).join('');
    expect(events.filter((e) => e.type === 'resume')).toEqual([{ type: 'resume', after: 2 }]);
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      text: partial,
      partial: true,
      problem: { code: 'STREAM_NOT_FOUND', status: 404 },
    });
    expect(calls).toHaveLength(2);
    expect(rig.upstream.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
  });

  it('aborting a resumable stream stops the client at once; the generation goes on for its grace period, as the contract says', async () => {
    rig.upstream.enqueue({ kind: 'drip', intervalMs: 100 });
    const controller = new AbortController();
    let abortedAt = 0;

    const run = (async () => {
      for await (const event of client().stream(ask, { signal: controller.signal, resumable: true })) {
        if (event.type === 'delta') {
          abortedAt = performance.now();
          controller.abort();
        }
      }
    })();

    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - abortedAt).toBeLessThan(200);
    await rig.upstream.requests[0].closed;
    expect(rig.upstream.requests[0].clientAborted).toBe(false);
  });

  it('a stream continued on another entry (`: continued <entry>`) yields a fallback event and ends done', async () => {
    rig.upstream.enqueue({ kind: 'drop-stream', afterChunks: 2 });

    const events = await collect(client().stream({ ...ask, model: 'chat-continued' }, { resumable: false }));

    const fallback = events.find((e) => e.type === 'fallback');
    expect(fallback).toEqual({ type: 'fallback', model: expect.stringContaining('backup') });
    expect(events.indexOf(fallback!)).toBeGreaterThan(2);
    expect(events.at(-1)).toMatchObject({ type: 'done', text: expect.stringContaining(replyChunks(REPLY, 5).slice(0, 2).join('')) });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  });
});
