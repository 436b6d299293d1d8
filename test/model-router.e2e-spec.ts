import { BallastError, toProblem } from '@ballast/errors';
import { ClientPresence, requestContext } from '@ballast/observability';
import { startTestUpstream, TestUpstream } from './upstream';
import { buildRouter, FAST_RESILIENCE } from './support/build-router';
import { closedPort } from './support/closed-port';

const LEAK = '[address=0.0.0.0:28264, pid=8336] Model not found, uid: qwen2-vl-instruct-0';
const REQUEST = { messages: [{ role: 'user' as const, content: 'hello' }] };

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function inRequest<T>(requestId: string, fn: () => Promise<T>): Promise<T> {
  return requestContext.run(
    { requestId, traceparent: TRACEPARENT, startedAt: performance.now(), client: new ClientPresence(), outcome: {} },
    fn,
  );
}

function modelsFile(primaryUrl: string, backupUrl?: string, primaryExtra: object = {}) {
  return {
    providers: {
      primary: { type: 'openai', baseUrl: primaryUrl, resilience: FAST_RESILIENCE, ...primaryExtra },
      ...(backupUrl ? { backup: { type: 'openai', baseUrl: backupUrl, resilience: FAST_RESILIENCE } } : {}),
    },
    models: {
      chat: {
        route: [{ provider: 'primary', model: 'primary-model' }, ...(backupUrl ? [{ provider: 'backup', model: 'backup-model' }] : [])],
      },
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<BallastError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BallastError);
    return error as BallastError;
  }
  throw new Error('expected a failure');
}

describe('model router against real upstreams', () => {
  let primary: TestUpstream;
  let backup: TestUpstream;

  beforeAll(async () => {
    [primary, backup] = await Promise.all([startTestUpstream({ name: 'primary' }), startTestUpstream({ name: 'backup' })]);
  });
  afterEach(() => {
    primary.reset();
    backup.reset();
  });
  afterAll(() => Promise.all([primary.close(), backup.close()]));

  it('retries 503 twice then succeeds, sending the request id on every attempt', async () => {
    primary.enqueue({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    const { chat } = buildRouter(modelsFile(primary.url, backup.url));
    const routed = await inRequest('req-retry-1', () => chat.complete('chat', REQUEST));
    expect(routed).toMatchObject({ attempts: 3, fallback: false, served: { providerId: 'primary' } });
    const chats = primary.requests.filter((r) => r.path.endsWith('/chat/completions'));
    expect(chats).toHaveLength(3);
    expect(chats.map((r) => r.headers['x-request-id'])).toEqual(['req-retry-1', 'req-retry-1', 'req-retry-1']);
    expect(chats.map((r) => r.headers.traceparent)).toEqual([TRACEPARENT, TRACEPARENT, TRACEPARENT]);
    expect(backup.requests).toHaveLength(0);
  });

  it('waits for Retry-After before the next attempt', async () => {
    primary.enqueue({ kind: 'status', status: 429, headers: { 'Retry-After': '1' } });
    const { chat } = buildRouter(modelsFile(primary.url));
    await inRequest('req-429', () => chat.complete('chat', REQUEST));
    const [first, second] = primary.requests;
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(1000);
  });

  it('does not retry or fall back on a client error from the upstream', async () => {
    primary.enqueue({ kind: 'status', status: 400, body: { error: { message: 'bad temperature' } } });
    const { chat } = buildRouter(modelsFile(primary.url, backup.url));
    const error = await failure(inRequest('req-400', () => chat.complete('chat', REQUEST)));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.detail).not.toContain('bad temperature');
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
  });

  describe('context length', () => {
    const CONTEXT_400 = {
      kind: 'status' as const,
      status: 400,
      body: { error: { message: "This model's maximum context length is 4096 tokens", code: 'context_length_exceeded' } },
    };
    const withWindows = (primaryWindow: number, backupWindow: number) => ({
      ...modelsFile(primary.url, backup.url),
      models: {
        chat: {
          route: [
            { provider: 'primary', model: 'primary-model', contextWindow: primaryWindow },
            { provider: 'backup', model: 'backup-model', contextWindow: backupWindow },
          ],
        },
      },
    });

    it('sends an upstream context-length 400 on to the entry with the larger window, never back to the first', async () => {
      primary.setDefault(CONTEXT_400);
      const { chat } = buildRouter(withWindows(4096, 32_768));
      const routed = await inRequest('req-ctx', () => chat.complete('chat', REQUEST));
      expect(routed).toMatchObject({ fallback: true, served: { providerId: 'backup' } });
      expect(primary.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(1);
    });

    it('answers CONTEXT_LENGTH_EXCEEDED after one upstream request when no larger entry is left', async () => {
      primary.setDefault(CONTEXT_400);
      const { chat } = buildRouter(withWindows(4096, 4096));
      const error = await failure(inRequest('req-ctx2', () => chat.complete('chat', REQUEST)));
      expect(error.code).toBe('CONTEXT_LENGTH_EXCEEDED');
      expect(primary.requests).toHaveLength(1);
      expect(backup.requests).toHaveLength(0);
    });
  });

  describe('content policy', () => {
    const REFUSAL = {
      kind: 'status' as const,
      status: 400,
      body: { error: { message: 'Your request was rejected as a result of our safety system.', code: 'content_policy_violation' } },
    };

    it('answers CONTENT_REJECTED after one upstream request, with no retry and no fallback by default', async () => {
      primary.setDefault(REFUSAL);
      const { chat } = buildRouter(modelsFile(primary.url, backup.url));
      const error = await failure(inRequest('req-policy', () => chat.complete('chat', REQUEST)));
      expect(error.code).toBe('CONTENT_REJECTED');
      expect(error.detail).not.toContain('safety system');
      expect(error.detail).not.toContain('max_tokens');
      expect(primary.requests).toHaveLength(1);
      expect(backup.requests).toHaveLength(0);
    });

    it('falls back on it when the model opts in', async () => {
      primary.setDefault(REFUSAL);
      const file = { ...modelsFile(primary.url, backup.url) };
      const { chat } = buildRouter({ ...file, models: { chat: { ...file.models.chat, fallbackOnContentRejected: true } } });
      const routed = await inRequest('req-policy2', () => chat.complete('chat', REQUEST));
      expect(routed).toMatchObject({ fallback: true, served: { providerId: 'backup' } });
      expect(primary.requests).toHaveLength(1);
    });
  });

  describe('a silent upstream is left, not retried', () => {
    const SILENT_LIMITS = { timeoutMs: 5_000, resilience: { ...FAST_RESILIENCE, firstChunkTimeoutMs: 5_000 } };

    it('serves from the fallback within one 5 s attempt limit; the silent provider sees exactly one attempt', async () => {
      primary.setDefault({ kind: 'hang' });
      const { chat } = buildRouter(modelsFile(primary.url, backup.url, SILENT_LIMITS), { requestTimeoutMs: 60_000 });
      const started = performance.now();
      const routed = await inRequest('req-silent', () => chat.complete('chat', REQUEST));
      const elapsed = performance.now() - started;
      expect(routed).toMatchObject({ fallback: true, served: { providerId: 'backup' } });
      expect(elapsed).toBeGreaterThanOrEqual(4_900);
      expect(elapsed).toBeLessThan(6_500);
      expect(primary.requests).toHaveLength(1);
    }, 20_000);

    it('does the same for a stream whose first token would come after 20 s, with a 5 s first-chunk limit', async () => {
      primary.setDefault({ kind: 'latency', ms: 20_000 });
      const { chat } = buildRouter(modelsFile(primary.url, backup.url, SILENT_LIMITS), { requestTimeoutMs: 60_000 });
      const started = performance.now();
      const routed = await inRequest('req-silent-s', () => chat.stream('chat', REQUEST));
      const chunks = [];
      for await (const chunk of routed.chunks) {
        chunks.push(chunk);
      }
      const elapsed = performance.now() - started;
      expect(routed).toMatchObject({ fallback: true, served: { providerId: 'backup' } });
      expect(chunks.length).toBeGreaterThan(2);
      expect(elapsed).toBeLessThan(6_500);
      expect(primary.requests).toHaveLength(1);
      // The silent attempt's socket is closed when it is left.
      expect((await primary.requests[0].closed) - started).toBeLessThan(6_500);
    }, 20_000);
  });

  it('falls back when the primary keeps answering 500 with internal details, and hides them', async () => {
    primary.setDefault({ kind: 'status', status: 500, body: LEAK });
    const { chat } = buildRouter(modelsFile(primary.url, backup.url));
    const routed = await inRequest('req-500', () => chat.complete('chat', REQUEST));
    expect(routed).toMatchObject({ fallback: true, served: { providerId: 'backup', model: 'backup-model' } });
    expect(JSON.stringify(routed.value)).not.toContain('28264');
  });

  it('answers a 503 problem without any upstream text when there is no backup', async () => {
    primary.setDefault({ kind: 'status', status: 500, body: LEAK });
    const { chat } = buildRouter(modelsFile(primary.url));
    const error = await failure(inRequest('req-500b', () => chat.complete('chat', REQUEST)));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    const body = JSON.stringify(toProblem(error, { requestId: 'req-500b' }));
    for (const fragment of ['0.0.0.0', '28264', 'pid', 'uid', 'qwen2']) {
      expect(body).not.toContain(fragment);
    }
    expect(error.upstream).toMatchObject({ status: 500 });
  });

  it('falls back when the primary is not listening', async () => {
    const { chat } = buildRouter(modelsFile(`http://127.0.0.1:${await closedPort()}/v1`, backup.url));
    const routed = await inRequest('req-down', () => chat.complete('chat', REQUEST));
    expect(routed).toMatchObject({ fallback: true, served: { providerId: 'backup' } });
  });

  it('turns a malformed upstream body into UPSTREAM_BAD_RESPONSE', async () => {
    primary.setDefault({ kind: 'malformed' });
    const { chat } = buildRouter(modelsFile(primary.url));
    expect((await failure(inRequest('req-bad', () => chat.complete('chat', REQUEST)))).code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('opens the breaker on a failing primary, stops calling it, and closes after a good probe', async () => {
    primary.setDefault({ kind: 'status', status: 503 });
    const breaker = { failureRate: 0.5, minCalls: 4, windowMs: 10_000, cooldownMs: 400 };
    const { chat, policies, metrics } = buildRouter(
      modelsFile(primary.url, backup.url, { resilience: { ...FAST_RESILIENCE, retries: 0, breaker } }),
    );
    for (let i = 0; i < 4; i++) {
      await inRequest(`req-b${i}`, () => chat.complete('chat', REQUEST));
    }
    expect(policies.get('primary')!.breaker.stateName).toBe('open');
    const seenWhileOpen = primary.requests.length;
    for (let i = 0; i < 5; i++) {
      const routed = await inRequest(`req-open${i}`, () => chat.complete('chat', REQUEST));
      expect(routed.served.providerId).toBe('backup');
    }
    expect(primary.requests).toHaveLength(seenWhileOpen);
    expect((await metrics.registry.getSingleMetric('ballast_circuit_breaker_state')!.get()).values).toEqual([
      expect.objectContaining({ labels: { provider: 'primary' }, value: 2 }),
      expect.objectContaining({ labels: { provider: 'backup' }, value: 0 }),
    ]);
    primary.setDefault(undefined);
    await new Promise((resolve) => setTimeout(resolve, 450)); // the cool-down itself is the subject here
    const probe = await inRequest('req-probe', () => chat.complete('chat', REQUEST));
    expect(probe.served.providerId).toBe('primary');
    expect(policies.get('primary')!.breaker.stateName).toBe('closed');
  });

  it('keeps a flaky upstream (30% 5xx) in service with the default breaker: retries recover what fails', async () => {
    // Seeded dice and one request at a time: the same 503s land on the same attempts every run.
    const flaky = await startTestUpstream({ name: 'flaky', seed: 7 });
    try {
      flaky.setDefault({ kind: 'random-status', rate: 0.3, status: 503 });
      const { chat, policies } = buildRouter(
        modelsFile(flaky.url, undefined, { resilience: { retries: 2, backoffBaseMs: 5, backoffMaxMs: 20 } }),
      );
      let succeeded = 0;
      for (let i = 0; i < 200; i++) {
        succeeded += await inRequest(`req-flaky-${i}`, () => chat.complete('chat', REQUEST)).then(
          () => 1,
          () => 0,
        );
      }
      const attempts = flaky.requests.length;
      expect(policies.get('primary')!.breaker.stateName).toBe('closed');
      // Going direct succeeds ~70% of the time; retries (within the 20% retry budget) recover most of the rest.
      expect(succeeded).toBeGreaterThan(150);
      expect(attempts).toBeGreaterThan(200);
    } finally {
      await flaky.close();
    }
  });

  it('gives up with MODEL_TIMEOUT at the deadline when every upstream hangs', async () => {
    primary.setDefault({ kind: 'hang' });
    backup.setDefault({ kind: 'hang' });
    const { chat } = buildRouter(modelsFile(primary.url, backup.url), { requestTimeoutMs: 500 });
    const started = performance.now();
    const error = await failure(inRequest('req-hang', () => chat.complete('chat', REQUEST)));
    const elapsed = performance.now() - started;
    expect(error.code).toBe('MODEL_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(490);
    expect(elapsed).toBeLessThan(1500);
    const closedAt = await Promise.all([...primary.requests, ...backup.requests].map((r) => r.closed));
    for (const at of closedAt) {
      expect(at - started).toBeLessThan(1500);
    }
  });

  it('sheds excess concurrency with MODEL_OVERLOADED and Retry-After, and nothing hangs', async () => {
    primary.setDefault({ kind: 'latency', ms: 300 });
    const { chat } = buildRouter(modelsFile(primary.url, undefined, { maxConcurrency: 2, maxQueue: 2 }));
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => inRequest(`req-c${i}`, () => chat.complete('chat', REQUEST))),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const shed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(shed.length).toBeGreaterThanOrEqual(4);
    for (const { reason } of shed) {
      expect(reason).toMatchObject({ code: 'MODEL_OVERLOADED', retryAfterSeconds: expect.any(Number) });
    }
    expect(ok.length + shed.length).toBe(10);
  });

  it('says MODEL_NOT_FOUND for an unknown public name, listing the ones that exist', async () => {
    const { chat } = buildRouter(modelsFile(primary.url));
    const error = await failure(inRequest('req-404', () => chat.complete('nope', REQUEST)));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.detail).toContain('chat');
  });

  it('streams through the same router: falls back before the first chunk', async () => {
    primary.setDefault({ kind: 'status', status: 503 });
    const { chat } = buildRouter(modelsFile(primary.url, backup.url));
    const routed = await inRequest('req-s1', () => chat.stream('chat', { ...REQUEST, stream_options: { include_usage: true } }));
    const chunks = [];
    for await (const chunk of routed.chunks) {
      chunks.push(chunk);
    }
    expect(routed).toMatchObject({ fallback: true, served: { providerId: 'backup' } });
    expect(chunks.length).toBeGreaterThan(2);
  });
});
