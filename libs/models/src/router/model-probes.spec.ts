import { BallastError } from '@ballast/errors';
import { BallastMetrics } from '@ballast/observability';
import { Deadline } from '@ballast/resilience';
import pino from 'pino';
import { parseModelsConfig } from '../config/load-models-file';
import { createPolicies } from '../create-policies';
import type { ModelProvider } from '../ports/model-provider.port';
import { ModelProbes } from './model-probes';
import { ModelRouter } from './model-router';

/** An upstream whose probe never answers, but stops (like fetch) when its signal aborts. */
class SilentProbe implements ModelProvider {
  readonly type = 'silent';
  readonly signals: AbortSignal[] = [];
  constructor(readonly id: string) {}

  probe(signal: AbortSignal): Promise<void> {
    this.signals.push(signal);
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
  }
}

describe('ModelProbes', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function probed(breaker: { minCalls: number; cooldownMs: number }) {
    const config = parseModelsConfig(
      {
        providers: { a: { type: 'local', resilience: { breaker } } },
        models: { m: { route: [{ provider: 'a', model: 'x' }] } },
      },
      {},
    );
    const provider = new SilentProbe('a');
    const metrics = new BallastMetrics({ defaultMetrics: false });
    const logger = pino({ level: 'silent' });
    const policies = createPolicies(config, metrics, logger);
    const sut = new ModelProbes(new ModelRouter(config, new Map([['a', provider]]), policies, metrics, logger, 60_000), 0, logger);
    return { sut, provider, policy: policies.get('a')! };
  }

  it('a probe that does not answer within its limit fails with MODEL_TIMEOUT, counted by the breaker (no request deadline to blame)', async () => {
    const { sut, policy } = probed({ minCalls: 1, cooldownMs: 1_000 });

    const probing = sut.probe('a');
    await jest.advanceTimersByTimeAsync(5_000);
    await probing;

    expect(sut.results.get('a')).toMatchObject({ ok: false, code: 'MODEL_TIMEOUT' });
    expect(policy.breaker.stateName).toBe('open');
    sut.stop();
  });

  it('aborts the probes in flight on stop, and a probe aborted that way leaves an open breaker open', async () => {
    const { sut, provider, policy } = probed({ minCalls: 1, cooldownMs: 1_000 });
    await policy
      .attempt(() => Promise.reject(new BallastError('UPSTREAM_UNAVAILABLE')), { deadline: new Deadline(Infinity) })
      .catch(() => undefined);
    expect(policy.breaker.stateName).toBe('open');
    await jest.advanceTimersByTimeAsync(1_000);

    const probing = sut.probe('a');
    expect(policy.breaker.stateName).toBe('half-open');
    sut.stop();
    await probing;

    expect(provider.signals[0].aborted).toBe(true);
    expect(policy.breaker.stateName).toBe('open');
    expect(sut.results.get('a')).toMatchObject({ ok: false, code: 'SHUTTING_DOWN' });
  });
});
