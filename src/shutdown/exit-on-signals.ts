import { ROOT_LOGGER } from '@ballast/observability';
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { FINAL_FLUSH_MS, ShutdownCoordinator } from './shutdown.coordinator';

/** If closing modules hangs after the drain, give up this long after the grace period and exit 1. */
export const HARD_STOP_MARGIN_MS = 5000;

function flush(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}

/**
 * SIGTERM / SIGINT → drain (readiness 503, new requests SHUTTING_DOWN,
 * in-flight work gets SHUTDOWN_GRACE_MS) → close the app (modules'
 * destroy/shutdown hooks: Redis, OCR workers) → flush the async log
 * destination → exit 0. A second signal exits at once.
 *
 * Used by main.ts instead of Nest's enableShutdownHooks, which runs every
 * onModuleDestroy hook *before* beforeApplicationShutdown — tearing down
 * Redis clients and workers while requests are still being served.
 */
export function exitGracefullyOnSignals(app: INestApplication, signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
  const coordinator = app.get(ShutdownCoordinator);
  const logger = app.get<Logger>(ROOT_LOGGER);
  let received: NodeJS.Signals | undefined;

  const exit = async (code: number): Promise<never> => {
    await flush(logger);
    process.exit(code);
  };

  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    logger.info({ signal }, 'signal received: shutting down');
    const hardStop = setTimeout(
      () => {
        logger.error('shutdown did not finish in time; exiting');
        void exit(1);
      },
      coordinator.graceMs + FINAL_FLUSH_MS + HARD_STOP_MARGIN_MS,
    );
    hardStop.unref();
    try {
      await coordinator.drain();
      // Whatever is still open (a stream that ignored end(), idle keep-alives) is cut now.
      (app.getHttpServer() as Server).closeAllConnections();
      await app.close();
      logger.info('stopped');
      await exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      await exit(1);
    }
  };

  for (const signal of signals) {
    process.on(signal, (name: NodeJS.Signals) => {
      if (received) {
        logger.warn({ signal: name }, 'second signal: exiting without waiting');
        void exit(1);
        return;
      }
      received = name;
      void stop(name);
    });
  }
}
