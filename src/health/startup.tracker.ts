import { ROOT_LOGGER } from '@ballast/observability';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';

export type StartupTaskState = 'pending' | 'done' | 'failed';

interface StartupTask {
  state: StartupTaskState;
  startedAt: number;
  durationMs?: number;
}

/**
 * Start-up work that runs after Nest has booted (warming OCR workers,
 * first connections) is declared here, so `/health/startup` and
 * `/health/ready` stay down until it is done — without holding up `listen`:
 *
 *   constructor(private readonly startup: StartupTracker) {}
 *   onModuleInit() { this.startup.track('ocr', this.pool.start()); }
 *
 * A task that rejects keeps start-up down for good (the orchestrator then
 * restarts the process); the reason goes to the log, never to the probe body.
 */
@Injectable()
export class StartupTracker implements OnApplicationBootstrap {
  private readonly tasks = new Map<string, StartupTask>();
  private readonly settled = new Set<Promise<unknown>>();
  private bootstrapped = false;

  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  track(name: string, work: Promise<unknown>): void {
    if (this.tasks.has(name)) {
      throw new Error(`Start-up task "${name}" is already tracked`);
    }
    const task: StartupTask = { state: 'pending', startedAt: performance.now() };
    this.tasks.set(name, task);
    const settled = work.then(
      () => {
        task.state = 'done';
        task.durationMs = Math.round(performance.now() - task.startedAt);
        this.logger.info({ task: name, duration_ms: task.durationMs }, 'start-up task done');
      },
      (error: unknown) => {
        task.state = 'failed';
        task.durationMs = Math.round(performance.now() - task.startedAt);
        this.logger.error({ task: name, err: error }, 'start-up task failed');
      },
    );
    this.settled.add(settled);
  }

  onApplicationBootstrap(): void {
    this.bootstrapped = true;
  }

  /** Nest has booted and every tracked task succeeded. */
  get finished(): boolean {
    return this.bootstrapped && [...this.tasks.values()].every((task) => task.state === 'done');
  }

  get failed(): boolean {
    return [...this.tasks.values()].some((task) => task.state === 'failed');
  }

  /** Resolves once every task tracked so far has settled (succeeded or failed). */
  async whenSettled(): Promise<void> {
    await Promise.all(this.settled);
  }

  /** Client-safe view for the probe bodies: names, states and timings only. */
  snapshot(): Record<string, { state: StartupTaskState; duration_ms?: number }> {
    const view: Record<string, { state: StartupTaskState; duration_ms?: number }> = {
      nest: { state: this.bootstrapped ? 'done' : 'pending' },
    };
    for (const [name, task] of this.tasks) {
      view[name] = { state: task.state, duration_ms: task.durationMs };
    }
    return view;
  }
}
