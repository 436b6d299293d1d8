import { BallastError } from '@ballast/errors';
import { clientSideOf, Deadline } from '@ballast/resilience';
import type { Logger } from 'pino';
import type { EntryHealth } from './route-health';
import type { ModelRouter } from './model-router';

/**
 * Probes idle upstreams with their cheap probe (GET {baseUrl}/models for
 * OpenAI-compatible ones, never a paid completion) through the provider's
 * breaker, so a dead upstream opens its breaker before a client meets it and
 * a recovered one closes it again. Probes in flight are aborted by stop()
 * (shutdown); an aborted probe never closes a breaker.
 */
export class ModelProbes {
  readonly results = new Map<string, EntryHealth['lastProbe']>();
  private timer?: NodeJS.Timeout;
  private stopping = new AbortController();

  constructor(
    private readonly router: ModelRouter,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.stopping.signal.aborted) {
      this.stopping = new AbortController();
    }
    if (this.intervalMs > 0 && !this.timer) {
      this.timer = setInterval(() => void this.probeIdle(), this.intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort(new BallastError('SHUTTING_DOWN'));
  }

  async probeIdle(): Promise<void> {
    const idleSince = Date.now() - this.intervalMs;
    await Promise.all(
      [...this.router.providers.values()]
        .filter((provider) => provider.probe && (this.router.lastTraffic.get(provider.id) ?? 0) < idleSince)
        .map((provider) => this.probe(provider.id)),
    );
  }

  async probe(providerId: string): Promise<void> {
    const provider = this.router.providers.get(providerId)!;
    const policy = this.router.policies.get(providerId)!;
    if (!provider.probe || !policy.breaker.admitsCalls || this.stopping.signal.aborted) {
      return;
    }
    const at = new Date().toISOString();
    try {
      // No request deadline: the probe's own limit is its timeout, and a shutdown ends it.
      await policy.attempt((signal) => provider.probe!(signal), {
        deadline: new Deadline(Infinity, clientSideOf(this.stopping.signal)),
        timeoutMs: Math.min(5000, policy.resilience.firstChunkTimeoutMs),
      });
      this.results.set(providerId, { at, ok: true });
    } catch (error) {
      const code = error instanceof BallastError ? error.code : 'INTERNAL_ERROR';
      this.results.set(providerId, { at, ok: false, code });
      this.logger.warn({ provider: providerId, code, err: error instanceof BallastError ? error.cause : error }, 'model probe failed');
    }
  }
}
