import { BallastError } from '@ballast/errors';
import { BallastMetrics } from '@ballast/observability';
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

  it('aborts the probes in flight on stop, and a probe aborted that way leaves an open breaker open', async () => {
    const config = parseModelsConfig(
      {
        providers: { a: { type: 'local', resilience: { breaker: { minCalls: 1, cooldownMs: 1_000 } } } },
        models: { m: { route: [{ provider: 'a', model: 'x' }] } },
      },
      {},
    );
    const provider = new SilentProbe('a');
    const metrics = new BallastMetrics({ defaultMetrics: false });
    const logger = pino({ level: 'silent' });
    const policies = createPolicies(config, metrics, logger);
    const sut = new ModelProbes(new ModelRouter(config, new Map([['a', provider]]), policies, metrics, logger, 60_000), 0, logger);
    const policy = policies.get('a')!;
    await policy
      .attempt(() => Promise.reject(new BallastError('UPSTREAM_UNAVAILABLE')), { signal: new AbortController().signal })
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
