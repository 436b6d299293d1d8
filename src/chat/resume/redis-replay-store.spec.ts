import { BallastMetrics } from '@ballast/observability';
import Redis from 'ioredis';
import pino from 'pino';
import { RedisServer, startRedisServer } from '../../../test/support/redis-server';
import { once } from 'node:events';
import { COMMAND_TIMEOUT_MS } from '../../redis/fail-fast-redis';
import { MemoryReplayStore } from './memory-replay-store';
import { RedisReplayStore } from './redis-replay-store';
import { REPLAY_COMMAND_TIMEOUT_MS, replayRedis } from './replay-redis';
import type { ReplayFrame, ReplayLimits } from './replay-store.port';

const limits: ReplayLimits = { graceMs: 1000, ttlMs: 60_000, maxEvents: 3, maxBytes: 10_000, totalBytes: 100_000 };
const meta = { owner: 'owner-digest', headers: { 'X-Model-Used': 'chat/p/m' } };
const frame = (seq: number, terminal = false): ReplayFrame => ({
  seq,
  text: terminal ? 'data: [DONE]\n\n' : `id: s:${seq}\ndata: {}\n\n`,
  terminal,
});

/** Two replicas' stores over one real Redis: A produces, B has never seen the stream. */
describe('RedisReplayStore (a real redis-server)', () => {
  let server: RedisServer | undefined;
  let check: Redis;
  const stores: RedisReplayStore[] = [];
  const replica = (redis = new Redis(server!.url)) => {
    const metrics = new BallastMetrics({ defaultMetrics: false });
    const store = new RedisReplayStore(redis, new MemoryReplayStore(limits, metrics), limits, metrics, pino({ level: 'silent' }));
    stores.push(store);
    return { store, redis };
  };

  beforeAll(async () => {
    server = await startRedisServer();
    check = server ? new Redis(server.url) : (undefined as never);
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    check?.disconnect();
    await server?.stop();
  });

  it('shares meta, keeps the per-stream cap in Redis, refuses a resume from before it, and tails live frames on another replica', async () => {
    if (!server) {
      return;
    }
    const [{ store: a, redis: redisA }, { store: b }] = [replica(), replica()];
    expect(await a.open('s1', meta)).toBe(true);
    expect(await b.open('s1', meta)).toBe(false); // the id is taken on every replica
    for (let seq = 0; seq < 6; seq++) {
      a.append('s1', frame(seq));
    }
    await redisA.ping(); // one connection answers in order: A's pipelined writes have been applied
    expect(await b.meta('s1')).toEqual(meta);
    expect(await check.xlen('ballast:stream:{s1}:events')).toBe(3);
    expect(await b.check('s1', 1)).toBe('missing');
    expect(await b.check('s1', 2)).toBe('ok');
    const ttl = await check.pttl('ballast:stream:{s1}:events');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(limits.ttlMs);

    const seen: number[] = [];
    const reading = (async () => {
      for await (const f of b.frames('s1', 3, new AbortController().signal)) {
        seen.push(f.seq);
        if (f.seq === 5) {
          a.append('s1', frame(6)); // the live tail: written while B is blocked in XREAD
          a.append('s1', frame(7, true));
        }
      }
    })();
    await reading;
    expect(seen).toEqual([4, 5, 6, 7]);
  });

  it("still finds another replica's stream when Redis answers later than the rate limiter would wait: a pause is not a miss", async () => {
    if (!server) {
      return;
    }
    const connection = replayRedis(server.url);
    if (connection.status !== 'ready') {
      await once(connection, 'ready');
    }
    const [{ store: a, redis: redisA }, { store: b }] = [replica(), replica(connection)];
    expect(await a.open('s-slow', meta)).toBe(true);
    a.append('s-slow', frame(0));
    await redisA.ping();
    const pauseMs = 4 * COMMAND_TIMEOUT_MS;
    expect(pauseMs).toBeLessThan(REPLAY_COMMAND_TIMEOUT_MS);

    // Every client's commands wait this long for their answers (Redis's own CLIENT PAUSE), as they would behind a stalled process.
    await check.client('PAUSE', pauseMs, 'ALL');

    expect(await b.meta('s-slow')).toEqual(meta);
    expect(await b.check('s-slow', 0)).toBe('ok');
  });
});
