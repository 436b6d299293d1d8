import Redis from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import { twoUpstreamModels, writeModelsFile } from '../support/models-file';
import { RedisServer, startRedisServer } from '../support/redis-server';
import { BallastProcess, spawnBallast, waitUntilReady } from '../support/spawn-ballast';
import { contentOf, readSse } from '../support/sse-client';
import { startTestUpstream, TestUpstream } from '../upstream';

const ANSWER = 'Started on replica A, finished on replica B, every word exactly once.';
const TTL_MS = 3000;
const json = (key: string, extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  authorization: `Bearer ${key}`,
  ...extra,
});
const body = JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: `echo:${ANSWER}` }] });

/** Resolves once Redis lists `count` clients named `name` (each replica's ioredis connection, once it has connected). */
async function untilConnected(redis: Redis, name: string, count: number): Promise<void> {
  for (;;) {
    const list = (await redis.client('LIST')) as string;
    if (list.split('\n').filter((line) => line.includes(` name=${name} `)).length >= count) {
      return;
    }
    await delay(20);
  }
}

describe('resumable streams across two replicas sharing a real redis-server', () => {
  let redisServer: RedisServer | undefined;
  let redis: Redis;
  let upstream: TestUpstream;
  let a: BallastProcess;
  let b: BallastProcess;
  let portA: number;
  let portB: number;

  beforeAll(async () => {
    redisServer = await startRedisServer();
    if (!redisServer) {
      return;
    }
    redis = new Redis(redisServer.url);
    // Slow enough that replica B attaches while replica A is still generating.
    upstream = await startTestUpstream({ name: 'primary', chunks: 10, chunkDelayMs: 150 });
    const env = {
      MODELS_FILE: writeModelsFile(twoUpstreamModels(upstream.url, upstream.url)),
      REDIS_URL: redisServer.url,
      API_KEYS: 'key-a,key-b',
      STREAM_REPLAY_TTL_MS: String(TTL_MS),
    };
    [a, b] = [spawnBallast(env), spawnBallast(env)];
    [portA, portB] = await Promise.all([a.listening, b.listening]);
    await Promise.all([waitUntilReady(portA), waitUntilReady(portB)]);
    // Readiness waits for the rate limiter's connection, not the replay buffer's own: a stream started before
    // that one is up is kept in A's memory only (fail-fast, no offline queue), and B would rightly answer 404.
    await untilConnected(redis, 'ballast-replay', 2);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    redis?.disconnect();
    await upstream?.close();
    await redisServer?.stop();
  });

  it('starts on A, drops after 3 chunks, resumes on B with Last-Event-ID: replay then live tail, exactly once, one generation', async () => {
    if (!redisServer) {
      return;
    }
    const first = await readSse(
      `http://127.0.0.1:${portA}/v1/chat/completions`,
      { method: 'POST', headers: json('key-a', { 'x-ballast-resumable': 'true' }), body },
      3,
    );
    const requestId = first.headers.get('x-request-id')!;
    let generatingWhenBAttached: boolean | undefined;
    const rest = await readSse(
      `http://127.0.0.1:${portB}/v1/chat/streams/${requestId}`,
      { headers: json('key-a', { 'last-event-id': `${requestId}:2` }) },
      Infinity,
      () => (generatingWhenBAttached = upstream.requests[0]?.closedAt === undefined),
    );
    expect(rest.status).toBe(200);
    expect(generatingWhenBAttached).toBe(true);
    expect(rest.events[0].id).toBe(`${requestId}:3`);
    expect(rest.events.at(-1)!.data).toBe('[DONE]');
    expect(contentOf(first.events) + contentOf(rest.events)).toBe(ANSWER);
    const chats = upstream.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(chats).toHaveLength(1);
    await chats[0].closed;
    expect(chats[0].clientAborted).toBe(false);

    // Another key on B: the same 404 as an id that never existed; no upstream call.
    upstream.reset();
    const foreign = await readSse(`http://127.0.0.1:${portB}/v1/chat/streams/${requestId}`, { headers: json('key-b') });
    const unknown = await readSse(`http://127.0.0.1:${portB}/v1/chat/streams/never-was`, { headers: json('key-b') });
    expect(foreign.problem?.code).toBe('STREAM_NOT_FOUND');
    expect(foreign.status).toBe(unknown.status);
    expect(foreign.problem?.detail).toBe(unknown.problem?.detail);

    // The buffer expires in Redis: a TTL is set on every key, and then they are gone.
    const keys = await redis.keys(`ballast:stream:{${requestId}}:*`);
    expect(keys).toEqual(expect.arrayContaining([`ballast:stream:{${requestId}}:events`, `ballast:stream:{${requestId}}:meta`]));
    for (const k of keys) {
      const ttl = await redis.pttl(k);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(Math.max(TTL_MS, 10_000));
    }
    const since = Date.now();
    while ((await redis.exists(...keys)) > 0 && Date.now() - since < TTL_MS + 10_000) {
      await delay(100); // Redis expires on its own clock; there is no event to await from here
    }
    expect(await redis.exists(...keys)).toBe(0);
    const expired = await readSse(`http://127.0.0.1:${portB}/v1/chat/streams/${requestId}`, { headers: json('key-a') });
    expect(expired.problem?.code).toBe('STREAM_NOT_FOUND');
    expect(upstream.requests).toHaveLength(0);
  }, 60_000);

  it('a replica shutting down ends the generation it holds with SHUTTING_DOWN, which a reader on the other replica receives', async () => {
    if (!redisServer) {
      return;
    }
    upstream.reset();
    const first = await readSse(
      `http://127.0.0.1:${portA}/v1/chat/completions`,
      { method: 'POST', headers: json('key-a', { 'x-ballast-resumable': 'true' }), body },
      2,
    );
    const requestId = first.headers.get('x-request-id')!;
    const following = readSse(
      `http://127.0.0.1:${portB}/v1/chat/streams/${requestId}`,
      { headers: json('key-a', { 'last-event-id': `${requestId}:1` }) },
      Infinity,
      () => a.child.kill('SIGTERM'),
    );
    const rest = await following;
    const last = rest.events.at(-1)!;
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data)).toMatchObject({ error: { code: 'SHUTTING_DOWN', retryable: true } });
    expect(await a.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe('resumable streams with Redis unreachable', () => {
  let upstream: TestUpstream;
  let c: BallastProcess;
  let port: number;

  beforeAll(async () => {
    upstream = await startTestUpstream({ name: 'primary', chunks: 10, chunkDelayMs: 20 });
    c = spawnBallast({
      MODELS_FILE: writeModelsFile(twoUpstreamModels(upstream.url, upstream.url)),
      REDIS_URL: 'redis://127.0.0.1:1', // nothing listens there: every command is refused
    });
    port = await c.listening;
  });
  afterAll(async () => {
    await c.stop();
    await upstream.close();
  });

  // Readiness with Redis down is the rate limiter's fact (test/operability/rate-limit-redis): not asserted here.
  it('resumes from this replica’s memory and counts the store errors', async () => {
    const first = await readSse(
      `http://127.0.0.1:${port}/v1/chat/completions`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'x-ballast-resumable': 'true' }, body },
      3,
    );
    const requestId = first.headers.get('x-request-id')!;
    const rest = await readSse(`http://127.0.0.1:${port}/v1/chat/streams/${requestId}?after=2`, {});
    expect(contentOf(first.events) + contentOf(rest.events)).toBe(ANSWER);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(Number(/^ballast_replay_store_errors_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
  });
});
