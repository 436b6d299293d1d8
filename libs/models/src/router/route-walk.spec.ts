import { BallastError, ErrorCode } from '@ballast/errors';
import { BallastMetrics, ClientPresence, requestContext } from '@ballast/observability';
import pino from 'pino';
import { parseModelsConfig } from '../config/load-models-file';
import { createPolicies } from '../create-policies';
import type { CallContext } from '../ports/call-context';
import type { ModelProvider } from '../ports/model-provider.port';
import { ModelRouter } from './model-router';

/** What one call to a scripted provider does: fail with a code, answer, or never answer (until aborted). */
type Step = { fail: ErrorCode; retryAfterSeconds?: number } | { answer: string } | 'hang';

/** A provider that plays its script, one step per call (the last step repeats), and records when each call came. */
class ScriptedProvider implements ModelProvider {
  readonly type = 'scripted';
  readonly calls: number[] = [];
  readonly chat = {
    complete: (_model: string, _request: unknown, context: CallContext) => this.play(context),
    stream: () => {
      throw new Error('not used');
    },
  };

  constructor(
    readonly id: string,
    private readonly script: Step[],
  ) {}

  private play(context: CallContext): Promise<never> {
    this.calls.push(Date.now());
    const step = this.script[Math.min(this.calls.length - 1, this.script.length - 1)];
    if (step === 'hang') {
      return new Promise((_, reject) => context.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    }
    if ('fail' in step) {
      return Promise.reject(new BallastError(step.fail, { retryAfterSeconds: step.retryAfterSeconds }));
    }
    return Promise.resolve(step.answer as never);
  }
}

const RESILIENCE = { retries: 2, backoffBaseMs: 100, backoffMaxMs: 1_000, breaker: { minCalls: 1000 } };

function build(
  scripts: Record<string, Step[]>,
  route: Array<{ provider: string; contextWindow?: number }>,
  model: { fallbackOnContentRejected?: boolean } = {},
  timeoutMs = 5_000,
) {
  const config = parseModelsConfig(
    {
      providers: Object.fromEntries(Object.keys(scripts).map((id) => [id, { type: 'local', timeoutMs, resilience: RESILIENCE }])),
      models: { m: { route: route.map((entry) => ({ model: `model-${entry.provider}`, ...entry })), ...model } },
    },
    {},
  );
  const providers = new Map(Object.entries(scripts).map(([id, script]) => [id, new ScriptedProvider(id, script)]));
  const metrics = new BallastMetrics({ defaultMetrics: false });
  const logger = pino({ level: 'silent' });
  const sut = new ModelRouter(config, providers, createPolicies(config, metrics, logger), metrics, logger, 60_000);
  return { sut, providers, metrics };
}

/** Runs a routed call inside a request and lets fake time pass until it settles. */
async function call(sut: ModelRouter, advanceMs = 120_000) {
  const started = Date.now();
  const outcome = requestContext
    .run({ requestId: 'r-1', startedAt: 0, client: new ClientPresence(), outcome: {} }, () =>
      sut.run('m', 'chat', (target, context) => target.provider.chat!.complete(target.model, { messages: [] }, context)),
    )
    .then(
      (routed) => ({ routed, error: undefined, at: Date.now() - started }),
      (error: unknown) => ({ routed: undefined, error: error as BallastError, at: Date.now() - started }),
    );
  await jest.advanceTimersByTimeAsync(advanceMs);
  return outcome;
}

describe('RouteWalk (through ModelRouter.run)', () => {
  let random: jest.SpyInstance;
  beforeEach(() => {
    jest.useFakeTimers();
    random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    random.mockRestore();
    jest.useRealTimers();
  });

  it('retries a transient failure on the same entry after the backoff: 503 twice, then the answer', async () => {
    const { sut, providers } = build({ a: [{ fail: 'UPSTREAM_UNAVAILABLE' }, { fail: 'UPSTREAM_UNAVAILABLE' }, { answer: 'ok' }] }, [
      { provider: 'a' },
    ]);
    const { routed } = await call(sut);
    expect(routed).toMatchObject({ value: 'ok', attempts: 3, fallback: false });
    // Full jitter at 0.5: 50 ms, then 100 ms.
    const [first, second, third] = providers.get('a')!.calls;
    expect([second - first, third - second]).toEqual([50, 100]);
  });

  it('honours Retry-After before going back to the same entry', async () => {
    const { sut, providers } = build({ a: [{ fail: 'MODEL_OVERLOADED', retryAfterSeconds: 2 }, { answer: 'ok' }] }, [{ provider: 'a' }]);
    await call(sut);
    const [first, second] = providers.get('a')!.calls;
    expect(second - first).toBe(2_000);
  });

  it('leaves a silent entry at its time limit for the next one, without retrying it', async () => {
    const { sut, providers } = build({ a: ['hang'], b: [{ answer: 'from b' }] }, [{ provider: 'a' }, { provider: 'b' }]);
    const { routed, at } = await call(sut);
    expect(routed).toMatchObject({ value: 'from b', attempts: 2, fallback: true, served: { providerId: 'b' } });
    expect(providers.get('a')!.calls).toHaveLength(1);
    expect(at).toBe(5_000);
  });

  it('counts a fallback from the entry whose failure moved the request on, not always the first', async () => {
    const { sut, metrics } = build({ a: ['hang'], b: ['hang'], c: [{ answer: 'from c' }] }, [
      { provider: 'a' },
      { provider: 'b' },
      { provider: 'c' },
    ]);
    const { routed } = await call(sut);
    expect(routed).toMatchObject({ value: 'from c', fallback: true });
    const counted = (await metrics.fallbacks.get()).values.filter((sample) => sample.value > 0);
    expect(counted.map((sample) => sample.labels)).toEqual([{ model: 'm', from: 'b', to: 'c' }]);
  });

  it('retries a silent entry only when it is the last option left', async () => {
    const { sut, providers } = build({ a: ['hang', 'hang', { answer: 'late' }] }, [{ provider: 'a' }]);
    const { routed } = await call(sut);
    expect(routed).toMatchObject({ value: 'late', attempts: 3 });
    expect(providers.get('a')!.calls).toHaveLength(3);
  });

  it('sends a context-length failure only to a later entry with a larger or unknown window, never back', async () => {
    const { sut, providers } = build({ a: [{ fail: 'CONTEXT_LENGTH_EXCEEDED' }], b: [{ answer: 'from b' }], c: [{ answer: 'from c' }] }, [
      { provider: 'a', contextWindow: 4096 },
      { provider: 'b', contextWindow: 2048 },
      { provider: 'c' },
    ]);
    const { routed } = await call(sut);
    expect(routed).toMatchObject({ value: 'from c', attempts: 2, served: { providerId: 'c' } });
    expect(providers.get('a')!.calls).toHaveLength(1);
    expect(providers.get('b')!.calls).toHaveLength(0);
  });

  it('answers CONTEXT_LENGTH_EXCEEDED after one request when no larger entry is left', async () => {
    const { sut, providers } = build({ a: [{ fail: 'CONTEXT_LENGTH_EXCEEDED' }], b: [{ answer: 'from b' }] }, [
      { provider: 'a', contextWindow: 4096 },
      { provider: 'b', contextWindow: 4096 },
    ]);
    const { error } = await call(sut);
    expect(error?.code).toBe('CONTEXT_LENGTH_EXCEEDED');
    expect(providers.get('a')!.calls).toHaveLength(1);
    expect(providers.get('b')!.calls).toHaveLength(0);
  });

  it('answers CONTENT_REJECTED at once, without a retry or a fallback, unless the model opts in', async () => {
    const scripts = { a: [{ fail: 'CONTENT_REJECTED' as const }], b: [{ answer: 'from b' }] };
    const plain = build(scripts, [{ provider: 'a' }, { provider: 'b' }]);
    expect((await call(plain.sut)).error?.code).toBe('CONTENT_REJECTED');
    expect(plain.providers.get('a')!.calls).toHaveLength(1);
    expect(plain.providers.get('b')!.calls).toHaveLength(0);

    const optedIn = build(scripts, [{ provider: 'a' }, { provider: 'b' }], { fallbackOnContentRejected: true });
    expect((await call(optedIn.sut)).routed).toMatchObject({ value: 'from b', served: { providerId: 'b' } });
    expect(optedIn.providers.get('a')!.calls).toHaveLength(1);
  });

  it('falls through after the retries of a transient failure, and names the one reason when all failed alike', async () => {
    const { sut, providers } = build({ a: [{ fail: 'UPSTREAM_UNAVAILABLE' }], b: [{ fail: 'UPSTREAM_UNAVAILABLE' }] }, [
      { provider: 'a' },
      { provider: 'b' },
    ]);
    const { error } = await call(sut);
    expect(error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(providers.get('a')!.calls).toHaveLength(3);
    expect(providers.get('b')!.calls).toHaveLength(3);
  });

  it('tries a silent first entry once and the silent last one with its retries, then says MODEL_TIMEOUT', async () => {
    const { sut, providers } = build({ a: ['hang'], b: ['hang'] }, [{ provider: 'a' }, { provider: 'b' }]);
    const { error, at } = await call(sut);
    expect(error?.code).toBe('MODEL_TIMEOUT');
    expect([providers.get('a')!.calls.length, providers.get('b')!.calls.length]).toEqual([1, 3]);
    expect(at).toBe(4 * 5_000 + 50 + 100);
  });

  it('gives up with MODEL_TIMEOUT at the request deadline, whatever the attempt limits', async () => {
    const { sut } = build({ a: ['hang'], b: ['hang'] }, [{ provider: 'a' }, { provider: 'b' }], {}, 600_000);
    const { error, at } = await call(sut, 61_000);
    expect(error?.code).toBe('MODEL_TIMEOUT');
    expect(at).toBe(60_000);
  });

  it("stops at once when the client leaves, with the client's reason: no retry, no fallback", async () => {
    const { sut, providers } = build({ a: ['hang'], b: [{ answer: 'b' }] }, [{ provider: 'a' }, { provider: 'b' }]);
    const client = new ClientPresence();
    const outcome = requestContext
      .run({ requestId: 'r-left', startedAt: 0, client, outcome: {} }, () =>
        sut.run('m', 'chat', (target, context) => target.provider.chat!.complete(target.model, { messages: [] }, context)),
      )
      .catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(1_000);

    const reason = new BallastError('CLIENT_CLOSED_REQUEST');
    client.leave(reason);

    expect(await outcome).toBe(reason);
    expect(providers.get('a')!.calls).toHaveLength(1);
    expect(providers.get('b')!.calls).toHaveLength(0);
  });

  it('once answered, leaves nothing following the client: a client leaving later aborts no attempt of it', async () => {
    const { sut } = build({ a: [{ answer: 'a' }] }, [{ provider: 'a' }]);
    const client = new ClientPresence();
    const signals: AbortSignal[] = [];

    await requestContext.run({ requestId: 'r-done', startedAt: 0, client, outcome: {} }, () =>
      sut.run('m', 'chat', (_target, context) => (signals.push(context.signal), Promise.resolve('answer'))),
    );
    client.leave(new BallastError('CLIENT_CLOSED_REQUEST'));

    expect(signals).toHaveLength(1);
    expect(signals[0].aborted).toBe(false);
  });
});
