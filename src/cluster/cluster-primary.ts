import cluster, { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { ClusterMetricsGatherer, WorkerSlot } from './cluster-metrics.gatherer';
import { isClusterMessage, ScrapeAnswer } from './cluster-messages';
import { RestartBudget } from './restart-budget';

/** At most this many crashed workers are replaced in RESTART_WINDOW_MS; one more and the primary gives up. */
export const RESTART_LIMIT = 5;
export const RESTART_WINDOW_MS = 60_000;
/** On top of a worker's own hard stop (grace + flush + margin): the primary's last resort. */
export const PRIMARY_STOP_MARGIN_MS = 10_000;

export interface PrimaryOptions {
  workers: number;
  /** A worker's SHUTDOWN_GRACE_MS; the primary waits for its own hard stop on top of it. */
  workerStopMs: number;
  logger: Logger;
  exit(code: number): void;
}

/**
 * The cluster's primary: serves nothing itself. Forks WORKERS processes that
 * share the port (node:cluster hands connections round-robin), replaces a
 * worker that dies (within RestartBudget), answers the workers' /metrics
 * scrapes with every worker's series, and on SIGTERM or SIGINT sends SIGTERM
 * to every worker — each drains as a single process does — and exits 0 once
 * all have exited 0. Workers ignore SIGINT (see shutdownSignals), so a
 * terminal's Ctrl-C reaches each of them once, through here.
 */
export function runPrimary(options: PrimaryOptions): void {
  const { logger } = options;
  const slots = new Map<Worker, number>();
  const listening = new Set<number>();
  const budget = new RestartBudget(RESTART_LIMIT, RESTART_WINDOW_MS);
  let restarts = 0;
  let stopping = false;
  let failed = false;
  const gatherer = new ClusterMetricsGatherer(
    () => [...slots].map(([worker, slot]): WorkerSlot => ({ worker, slot })),
    () => restarts,
  );

  const fork = (slot: number): void => {
    const worker = cluster.fork();
    slots.set(worker, slot);
    logger.info({ worker: slot, pid: worker.process.pid }, 'worker started');
  };

  const stopAll = (signal: NodeJS.Signals): void => {
    for (const worker of slots.keys()) {
      worker.process.kill(signal);
    }
  };

  const beginStop = (reason: string): void => {
    stopping = true;
    logger.info({ workers: slots.size, reason }, 'stopping every worker');
    stopAll('SIGTERM');
    const backstop = setTimeout(() => {
      logger.error({ workers: slots.size }, 'workers did not stop in time; killing them');
      stopAll('SIGKILL');
      options.exit(1);
    }, options.workerStopMs + PRIMARY_STOP_MARGIN_MS);
    backstop.unref();
  };

  cluster.on('listening', (worker, address) => {
    const slot = slots.get(worker);
    if (slot === undefined || stopping) {
      return;
    }
    listening.add(slot);
    if (listening.size === options.workers) {
      logger.info({ workers: options.workers, port: address.port }, 'workers listening');
    }
  });

  cluster.on('message', (worker, message: unknown) => {
    gatherer.onMessage(worker, message);
    if (isClusterMessage(message, 'ballast:scrape')) {
      const reply = (answer: Omit<ScrapeAnswer, 'type' | 'id'>) =>
        worker.isConnected() && worker.send({ type: 'ballast:scrape-answer', id: message.id, ...answer } satisfies ScrapeAnswer);
      gatherer.gather().then(
        (text) => reply({ text }),
        (error: unknown) => {
          logger.warn({ err: error }, 'metrics scrape failed');
          reply({ error: error instanceof Error ? error.message : String(error) });
        },
      );
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const slot = slots.get(worker)!;
    slots.delete(worker);
    gatherer.onExit(worker);
    if (stopping) {
      failed ||= code !== 0;
      logger.info({ worker: slot, pid: worker.process.pid, code, signal }, 'worker stopped');
      if (slots.size === 0) {
        logger.info({ code: failed ? 1 : 0 }, 'every worker stopped');
        options.exit(failed ? 1 : 0);
      }
      return;
    }
    listening.delete(slot);
    logger.error({ worker: slot, pid: worker.process.pid, code, signal }, 'worker died');
    if (budget.tryRestart(Date.now())) {
      restarts++;
      fork(slot);
      return;
    }
    logger.fatal({ restarts: RESTART_LIMIT, window_ms: RESTART_WINDOW_MS }, 'workers keep dying; giving up');
    failed = true;
    if (slots.size === 0) {
      options.exit(1);
      return;
    }
    beginStop('restart limit reached');
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: workers stop without waiting');
        stopAll('SIGTERM');
        return;
      }
      logger.info({ signal }, 'signal received: shutting down');
      beginStop(signal);
    });
  }

  logger.info({ workers: options.workers }, 'starting workers');
  for (let slot = 0; slot < options.workers; slot++) {
    fork(slot);
  }
}
