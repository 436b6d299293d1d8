import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** A stalled loop or a nearly exhausted heap: the only things that make this process unable to serve. */
export const MAX_EVENT_LOOP_DELAY_MS = 1000;
export const MAX_HEAP_FRACTION = 0.95;
/**
 * How often the loop's delay is sampled. Each sample is a timer wakeup (~70 µs on the bench VM, even when
 * idle): at 20 ms that was ~3.7 ms of CPU per second of an idle replica, for a limit fifty times coarser.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

@Injectable()
export class LivenessIndicator implements OnModuleDestroy {
  private readonly loopDelay = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });

  constructor(private readonly health: HealthIndicatorService) {
    this.loopDelay.enable();
  }

  eventLoop() {
    const indicator = this.health.check('event_loop');
    const p99Ms = this.loopDelay.percentile(99) / 1e6;
    this.loopDelay.reset();
    const details = { p99_delay_ms: Math.round(p99Ms), limit_ms: MAX_EVENT_LOOP_DELAY_MS };
    return p99Ms > MAX_EVENT_LOOP_DELAY_MS ? indicator.down(details) : indicator.up(details);
  }

  heap() {
    const indicator = this.health.check('heap');
    const { used_heap_size, heap_size_limit } = getHeapStatistics();
    const fraction = used_heap_size / heap_size_limit;
    const details = { used_fraction: Math.round(fraction * 1000) / 1000, limit_fraction: MAX_HEAP_FRACTION };
    return fraction > MAX_HEAP_FRACTION ? indicator.down(details) : indicator.up(details);
  }

  onModuleDestroy(): void {
    this.loopDelay.disable();
  }
}
