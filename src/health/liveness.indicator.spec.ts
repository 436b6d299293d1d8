import { HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_LOOP_SAMPLE_MS, LivenessIndicator, MAX_EVENT_LOOP_DELAY_MS } from './liveness.indicator';

/** What a stalled loop is: synchronous work that lets no timer run. */
function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

// The sampler is a native timer (monitorEventLoopDelay), beyond fake timers' reach: the loop has to run for it.
const samplePeriods = (n: number) => new Promise((resolve) => setTimeout(resolve, n * EVENT_LOOP_SAMPLE_MS));

describe('LivenessIndicator, the event loop', () => {
  let liveness: LivenessIndicator;

  beforeEach(() => {
    liveness = new LivenessIndicator(new HealthIndicatorService());
  });

  afterEach(() => liveness.onModuleDestroy());

  it('is up while the loop keeps up', async () => {
    await samplePeriods(3);
    const result = liveness.eventLoop();
    expect(result.event_loop).toMatchObject({ status: 'up', limit_ms: MAX_EVENT_LOOP_DELAY_MS });
    expect(result.event_loop.p99_delay_ms).toBeLessThan(MAX_EVENT_LOOP_DELAY_MS);
  });

  it('is down after one stall past the limit, however coarse the sampling, and up again once the loop keeps up', async () => {
    await samplePeriods(2);
    blockLoop(MAX_EVENT_LOOP_DELAY_MS + 300);
    await samplePeriods(2);
    const stalled = liveness.eventLoop();
    expect(stalled.event_loop.status).toBe('down');
    expect(stalled.event_loop.p99_delay_ms).toBeGreaterThan(MAX_EVENT_LOOP_DELAY_MS);

    // Each check reads the delays since the one before.
    await samplePeriods(3);
    expect(liveness.eventLoop().event_loop.status).toBe('up');
  });
});
