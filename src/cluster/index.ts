import { createLogger } from '@ballast/observability';
import cluster from 'node:cluster';
import type { AppConfig } from '../config';
import { runPrimary } from './cluster-primary';

export { answerMetricsRequests, askPrimaryForMetrics, isClusterWorker } from './worker-metrics.channel';

/**
 * With WORKERS > 1, turns this process into the cluster's primary (which
 * forks the workers and serves nothing itself) and returns true: the caller
 * must not start the app. Returns false in a worker, and when WORKERS is 1.
 */
export function runAsClusterPrimary(config: AppConfig): boolean {
  if (config.workers <= 1 || !cluster.isPrimary) {
    return false;
  }
  const logger = createLogger({ level: config.logLevel, pretty: config.isDevelopment });
  if (!config.redisUrl) {
    logger.warn({ workers: config.workers }, 'WORKERS > 1 without REDIS_URL: each worker keeps its own rate-limit counters');
  }
  runPrimary({
    workers: config.workers,
    workerStopMs: config.shutdownGraceMs,
    logger,
    exit: (code) => logger.flush(() => process.exit(code)),
  });
  return true;
}

/**
 * The signals a serving process drains on. A cluster worker takes SIGTERM
 * from its primary only: it ignores SIGINT, because a terminal's Ctrl-C
 * reaches the whole process group and the primary forwards it too — two
 * signals would make the worker exit without draining.
 */
export function shutdownSignals(): NodeJS.Signals[] {
  if (!cluster.isWorker) {
    return ['SIGTERM', 'SIGINT'];
  }
  process.on('SIGINT', () => undefined);
  return ['SIGTERM'];
}
