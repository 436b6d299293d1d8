import { ClientPresence, requestContext } from '@ballast/observability';
import { seededRandom } from '@ballast/resilience';
import { startTestUpstream, TestUpstream } from './upstream';
import { buildRouter, FAST_RESILIENCE } from './support/build-router';

const REQUEST = { messages: [{ role: 'user' as const, content: 'hello' }] };

function inRequest<T>(requestId: string, fn: () => Promise<T>): Promise<T> {
  return requestContext.run({ requestId, startedAt: performance.now(), client: new ClientPresence(), outcome: {} }, fn);
}

const chats = (upstream: TestUpstream) => upstream.requests.filter((r) => r.path.endsWith('/chat/completions'));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

describe('pools of replicas against real upstreams', () => {
  let a: TestUpstream;
  let b: TestUpstream;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestUpstream({ name: 'a', seed: 16 }), startTestUpstream({ name: 'b', seed: 17 })]);
  });
  afterEach(() => {
    a.reset();
    b.reset();
  });
  afterAll(() => Promise.all([a.close(), b.close()]));

  const providers = (extra: object = {}) => ({
    a: { type: 'openai', baseUrl: a.url, maxConcurrency: 200, resilience: FAST_RESILIENCE, ...extra },
    b: { type: 'openai', baseUrl: b.url, maxConcurrency: 200, resilience: FAST_RESILIENCE, ...extra },
  });
  const pool = (strategy: string, weights?: [number, number]) => ({
    pool: {
      strategy,
      entries: [
        { provider: 'a', model: 'model-a', ...(weights ? { weight: weights[0] } : {}) },
        { provider: 'b', model: 'model-b', ...(weights ? { weight: weights[1] } : {}) },
      ],
    },
  });

  it('splits a weighted 3:1 pool within ±5% of 75/25 over 2,000 calls, and names the member that served', async () => {
    const random = jest.spyOn(Math, 'random').mockImplementation(seededRandom(3));
    try {
      const { chat } = buildRouter({ providers: providers(), models: { chat: { route: [pool('weighted', [3, 1])] } } });
      const served: string[] = [];
      for (let batch = 0; batch < 100; batch++) {
        const routed = await Promise.all(
          Array.from({ length: 20 }, (_, i) => inRequest(`w-${batch}-${i}`, () => chat.complete('chat', REQUEST))),
        );
        served.push(...routed.map((r) => `${r.served.providerId}/${r.served.model}`));
      }
      const shareOfA = served.filter((s) => s === 'a/model-a').length / served.length;
      expect(shareOfA).toBeGreaterThanOrEqual(0.7);
      expect(shareOfA).toBeLessThanOrEqual(0.8);
      expect(served.filter((s) => s === 'b/model-b').length).toBe(served.length - Math.round(shareOfA * served.length));
      expect(chats(a).length + chats(b).length).toBe(2_000);
    } finally {
      random.mockRestore();
    }
  }, 60_000);

  it('least-loaded sends nothing new to a member holding 50 slow calls while another is idle', async () => {
    a.setDefault({ kind: 'latency', ms: 1_500 });
    const { chat } = buildRouter({
      providers: providers(),
      models: { busy: { route: [{ provider: 'a', model: 'model-a' }] }, chat: { route: [pool('least-loaded')] } },
    });
    const slow = Array.from({ length: 50 }, (_, i) => inRequest(`slow-${i}`, () => chat.complete('busy', REQUEST)));
    await a.waitForRequests(50);
    const routed = [];
    for (let i = 0; i < 20; i++) {
      routed.push(await inRequest(`ll-${i}`, () => chat.complete('chat', REQUEST)));
    }
    expect(routed.map((r) => r.served.providerId)).toEqual(Array(20).fill('b'));
    expect(chats(a)).toHaveLength(50);
    await Promise.all(slow);
  }, 30_000);

  it('serves every call from the other member when one answers 503 to everything, with no backoff wait, and stops sending to it', async () => {
    a.setDefault({ kind: 'status', status: 503, headers: { 'Retry-After': '2' } });
    const breaker = { failureRate: 0.5, minCalls: 5, windowMs: 30_000, cooldownMs: 60_000 };
    const { chat, policies, router } = buildRouter({
      providers: providers({ resilience: { ...FAST_RESILIENCE, backoffBaseMs: 2_000, backoffMaxMs: 5_000, breaker } }),
      models: { chat: { route: [pool('weighted')] } },
    });
    const durations: number[] = [];
    for (let i = 0; i < 40; i++) {
      const started = performance.now();
      const routed = await inRequest(`bad-${i}`, () => chat.complete('chat', REQUEST));
      durations.push(performance.now() - started);
      expect(routed.served.providerId).toBe('b');
    }
    // A retry on the failing member would wait Retry-After (2 s); going to the other member waits nothing.
    expect(Math.max(...durations)).toBeLessThan(1_500);
    expect(policies.get('a')!.breaker.stateName).toBe('open');
    expect(chats(a).length).toBeLessThanOrEqual(5);
    // The pool still serves: the model is up, not degraded.
    expect(router.health()[0].status).toBe('up');
    const [memberA, memberB] = router.health()[0].entries;
    expect(memberA).toMatchObject({ provider: 'a', breaker: 'open', successRate: 0, lastErrorCode: 'UPSTREAM_UNAVAILABLE' });
    expect(memberB).toMatchObject({ provider: 'b', breaker: 'closed', successRate: 1 });
    expect(chats(b)).toHaveLength(40);
  }, 30_000);

  it('latency: one member 10x slower than two others gets under 10% of 1,000 calls, and its share back within seconds after it recovers', async () => {
    const c = await startTestUpstream({ name: 'c' });
    const random = jest.spyOn(Math, 'random').mockImplementation(seededRandom(5));
    try {
      a.setDefault({ kind: 'latency', ms: 20 });
      b.setDefault({ kind: 'latency', ms: 20 });
      c.setDefault({ kind: 'latency', ms: 200 });
      const three = {
        ...providers(),
        c: { type: 'openai', baseUrl: c.url, maxConcurrency: 200, resilience: FAST_RESILIENCE },
      };
      const entries = ['a', 'b', 'c'].map((id) => ({ provider: id, model: `model-${id}` }));
      const { chat, router } = buildRouter({ providers: three, models: { chat: { route: [{ pool: { strategy: 'latency', entries } }] } } });
      const shareOfC = async (calls: number, tag: string) => {
        const served: string[] = [];
        for (let batch = 0; batch < calls / 4; batch++) {
          const routed = await Promise.all(
            Array.from({ length: 4 }, (_, i) => inRequest(`lat-${tag}-${batch}-${i}`, () => chat.complete('chat', REQUEST))),
          );
          served.push(...routed.map((r) => r.served.providerId));
        }
        return served.filter((id) => id === 'c').length / served.length;
      };
      expect(await shareOfC(1_000, 'slow')).toBeLessThan(0.1);
      const health = router.health()[0].entries;
      expect(health[2].latencyEwmaMs).toBeGreaterThan(Math.max(health[0].latencyEwmaMs, health[1].latencyEwmaMs));

      c.setDefault({ kind: 'latency', ms: 20 });
      const recoveredAt = performance.now();
      let share = 0;
      while (share < 0.2 && performance.now() - recoveredAt < 10_000) {
        share = await shareOfC(100, `recovered-${Math.round(performance.now())}`);
      }
      expect(share).toBeGreaterThanOrEqual(0.2);
      expect(performance.now() - recoveredAt).toBeLessThan(10_000);
    } finally {
      random.mockRestore();
      await c.close();
    }
  }, 90_000);

  it('adaptive concurrency settles the limit near 20 for an upstream that slows past 20 in flight, and sheds the rest', async () => {
    // Calls long enough (200 ms) that this process's own CPU, which the limiter reads as latency too, stays far
    // under the 10% it tolerates on a slow host (at 50 ms a 2.5x slower VM pulled the limit down to 10).
    a.setDefault({ kind: 'load-latency', ms: 200, aboveInFlight: 20, slowMs: 400 });
    const { chat, metrics } = buildRouter({
      providers: {
        a: {
          type: 'openai',
          baseUrl: a.url,
          maxConcurrency: 100,
          maxQueue: 0,
          resilience: { ...FAST_RESILIENCE, retries: 0, adaptiveConcurrency: true },
        },
      },
      models: { chat: { route: [{ provider: 'a', model: 'model-a' }] } },
    });
    const until = performance.now() + 8_000;
    const shed: unknown[] = [];
    let served = 0;
    await Promise.all(
      Array.from({ length: 60 }, async (_, caller) => {
        for (let i = 0; performance.now() < until; i++) {
          try {
            await inRequest(`ac-${caller}-${i}`, () => chat.complete('chat', REQUEST));
            served++;
          } catch (error) {
            shed.push(error);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      }),
    );
    const limit = (await metrics.registry.getSingleMetric('ballast_concurrency_limit')!.get()).values[0].value;
    expect(limit).toBeGreaterThanOrEqual(12);
    expect(limit).toBeLessThanOrEqual(32);
    expect(a.maxInFlight).toBeLessThanOrEqual(40);
    expect(served).toBeGreaterThan(300); // 550–570 here with the other core kept busy
    expect(shed.length).toBeGreaterThan(0);
    for (const error of shed) {
      expect(error).toMatchObject({ code: 'MODEL_OVERLOADED', retryAfterSeconds: expect.any(Number) });
    }
  }, 30_000);

  it('hedges a stream whose first chunk is late: the other member streams it, the stalled one is closed at once', async () => {
    const { chat, metrics } = buildRouter({
      providers: providers(),
      // b takes nearly every first call; the hedge goes to a after 150 ms.
      models: { chat: { route: [pool('weighted', [1, 1000])], hedge: { afterMs: 150 } } },
    });
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      // The hedge budget (10% of calls, no floor) needs calls to take a share of.
      for (let i = 0; i < 30; i++) {
        await inRequest(`warm-${i}`, () => chat.complete('chat', REQUEST));
      }
      b.reset();
      b.setDefault({ kind: 'latency', ms: 3_000 });
      const started = performance.now();
      const routed = await inRequest('hedge-stream', () => chat.stream('chat', REQUEST));
      const chunks = [];
      for await (const chunk of routed.chunks) {
        chunks.push(chunk);
      }
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(routed).toMatchObject({ attempts: 2, fallback: false, served: { providerId: 'a' } });
      expect(chunks.length).toBeGreaterThan(2);
      const [stalled] = chats(b);
      expect((await stalled.closed) - stalled.receivedAt).toBeLessThan(1_000);
      expect(stalled.clientAborted).toBe(true);
      const hedges = (await metrics.registry.getSingleMetric('ballast_hedges_total')!.get()).values;
      expect(hedges).toEqual([expect.objectContaining({ labels: { model: 'chat', outcome: 'won' }, value: 1 })]);
    } finally {
      random.mockRestore();
    }
  });

  describe('hedging, with one member stalling 5 s on 20% of its calls', () => {
    const STALL = { kind: 'sometimes' as const, rate: 0.2, fault: { kind: 'latency' as const, ms: 5_000 } };
    const CALLS = 200;

    async function latencies(model: string, chat: ReturnType<typeof buildRouter>['chat']): Promise<number[]> {
      const durations: number[] = [];
      for (let batch = 0; batch < CALLS / 10; batch++) {
        await Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const started = performance.now();
            await inRequest(`h-${model}-${batch}-${i}`, () => chat.complete(model, REQUEST));
            durations.push(performance.now() - started);
          }),
        );
      }
      return durations;
    }

    it('keeps p99 under twice the healthy p99 with hedging on, closes every stalled socket within 1 s, stays in budget; p99 ≥ 5 s with it off', async () => {
      const models = {
        providers: providers(),
        models: {
          plain: { route: [pool('weighted')] },
          hedged: { route: [pool('weighted')], hedge: { percentile: 95, maxExtraRatio: 0.25 } },
        },
      };
      const { chat, metrics } = buildRouter(models, { requestTimeoutMs: 30_000 });
      // Both healthy: warm connections, then the healthy p99 (and the pool's recent latencies to hedge by).
      await latencies('hedged', chat);
      const healthy = percentile(await latencies('hedged', chat), 99);

      b.setDefault(STALL);
      const hedgedDurations = await latencies('hedged', chat);
      const stalledOnB = chats(b).filter((r) => r.clientAborted);
      const hedges = (await metrics.registry.getSingleMetric('ballast_hedges_total')!.get()).values;
      const fired = hedges.reduce((sum, v) => sum + v.value, 0);

      b.reset();
      b.setDefault(STALL);
      // All at once: the stalls land on about one call in ten, and cost 5 s, not 5 s per batch.
      const plainDurations = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const started = performance.now();
          await inRequest(`plain-${i}`, () => chat.complete('plain', REQUEST));
          return performance.now() - started;
        }),
      );

      // Twice the healthy p99, plus 100 ms for scheduler noise on a shared 2-core machine (healthy p99 is 10-60 ms here).
      expect(percentile(hedgedDurations, 99)).toBeLessThan(2 * healthy + 100);
      expect(stalledOnB.length).toBeGreaterThan(0);
      for (const request of stalledOnB) {
        // Closed by the hedge's win, long before the 5 s stall would have ended.
        expect(request.closedAt! - request.receivedAt).toBeLessThan(2 * healthy + 1_000);
      }
      // The budget: 25% of the calls to this model in the 10 s window (warm-up, healthy and stalled phases).
      expect(fired).toBeLessThanOrEqual(0.25 * 3 * CALLS + 1);
      expect(hedges).toContainEqual(expect.objectContaining({ labels: { model: 'hedged', outcome: 'won' } }));
      expect(percentile(plainDurations, 99)).toBeGreaterThanOrEqual(5_000);
    }, 120_000);
  });
});
