import { setTimeout as delay } from 'node:timers/promises';
import { createTestApp, TestApp } from '../support/create-test-app';
import { twoUpstreamModels, writeModelsFile } from '../support/models-file';
import { BallastProcess, spawnBallast } from '../support/spawn-ballast';
import { contentOf, readSse } from '../support/sse-client';
import { startTestUpstream, TestUpstream } from '../upstream';

const TOTAL_CAP = 2 * 1024 * 1024;
const TTL_MS = 1;

/** One sample of the child's /metrics. */
async function sample(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe('replay buffer bounds (memory, a real child process)', () => {
  let upstream: TestUpstream;
  let ballast: BallastProcess;
  let port: number;

  beforeAll(async () => {
    upstream = await startTestUpstream({ name: 'primary', chunks: 10, record: false });
    ballast = spawnBallast({
      MODELS_FILE: writeModelsFile(twoUpstreamModels(upstream.url, upstream.url)),
      STREAM_REPLAY_TOTAL_BYTES: String(TOTAL_CAP),
      RATE_LIMIT_RPM: '100000',
      // Below what the app (~36 MB live) and an unbounded buffer (~55 MB of frames) would hold: a buffer that kept every
      // stream ends this process (tried: STREAM_REPLAY_TOTAL_BYTES of 512 MB dies here, and lived at 96 MB), however V8
      // times its collections. The RSS figure below cannot tell the two apart (33 MB growth unbounded, 32–40 bounded).
      NODE_OPTIONS: '--max-old-space-size=72',
    });
    port = await ballast.listening;
  });
  afterAll(async () => {
    await ballast.stop();
    await upstream.close();
  });

  it('holds 1,000 finished 50 KB streams within the total cap: the oldest finished go first (gauge and RSS)', async () => {
    const text = 'x'.repeat(50 * 1024);
    const post = () =>
      readSse(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ballast-resumable': 'true' },
        body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: `echo:${text}` }] }),
      });
    for (let i = 0; i < 20; i++) {
      await post(); // warm-up: lazy loads, pools and the heap's first growth are not the buffer
    }
    const rssBefore = await sample(port, 'process_resident_memory_bytes');
    let peak = 0;
    const ids: string[] = [];
    for (let batch = 0; batch < 100; batch++) {
      const reads = await Promise.all(Array.from({ length: 10 }, post));
      for (const read of reads) {
        expect(read.problem).toBeUndefined();
        expect(contentOf(read.events)).toHaveLength(text.length);
        ids.push(read.headers.get('x-request-id')!);
      }
      peak = Math.max(peak, await sample(port, 'ballast_replay_buffer_bytes'));
    }
    const rssGrowth = (await sample(port, 'process_resident_memory_bytes')) - rssBefore;
    expect(peak).toBeGreaterThan(TOTAL_CAP / 2);
    expect(peak).toBeLessThanOrEqual(TOTAL_CAP);
    // RSS also holds the garbage of 1,000 100 KB requests until V8 collects and returns it: a loose bound, for a leak
    // outside the heap; the heap limit above and the gauge decide.
    expect(rssGrowth).toBeLessThan(56 * 1024 * 1024);
    expect(ballast.child.exitCode).toBeNull();
    // The newest stream is still resumable, the oldest is gone.
    const newest = await readSse(`http://127.0.0.1:${port}/v1/chat/streams/${ids.at(-1)!}`, {});
    expect(newest.status).toBe(200);
    const oldest = await readSse(`http://127.0.0.1:${port}/v1/chat/streams/${ids[0]}`, {});
    expect(oldest.problem?.code).toBe('STREAM_NOT_FOUND');
  }, 120_000);
});

describe('replay buffer TTL (memory)', () => {
  let upstream: TestUpstream;
  let t: TestApp;

  beforeAll(async () => {
    upstream = await startTestUpstream({ name: 'primary' });
    t = await createTestApp({
      listen: true,
      env: { MODELS_FILE: writeModelsFile(twoUpstreamModels(upstream.url, upstream.url)), STREAM_REPLAY_TTL_MS: String(TTL_MS) },
    });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  it('answers an expired stream with the same STREAM_NOT_FOUND as an unknown one, and asks no upstream', async () => {
    const done = await readSse(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ballast-resumable': 'true' },
      body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'echo:soon gone' }] }),
    });
    const requestId = done.headers.get('x-request-id')!;
    // The TTL timer was armed (in this process) before this longer one: it has fired when this resolves.
    await delay(TTL_MS + 20);
    upstream.reset();
    const expired = await readSse(`${t.url}/v1/chat/streams/${requestId}`, {});
    const unknown = await readSse(`${t.url}/v1/chat/streams/never-was`, {});
    expect(expired.status).toBe(404);
    expect(expired.problem?.code).toBe('STREAM_NOT_FOUND');
    expect({ ...expired.problem, request_id: undefined, instance: undefined }).toEqual({
      ...unknown.problem,
      request_id: undefined,
      instance: undefined,
    });
    expect(upstream.requests).toHaveLength(0);
  });
});
