import { BallastError, toProblem } from '@ballast/errors';
import { BallastMetrics, ROOT_LOGGER, requestContext } from '@ballast/observability';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';
import { ReadinessRegistry } from '../health';
import { sendProblem } from '../problems/problem-response';
import type { NextFunction, RawHandler } from '../server/in-series';

type Response = ServerResponse;

/** An open SSE stream that can be told to finish early. */
export interface DrainableStream {
  /**
   * The grace period is over: write a final `event: error` carrying this
   * error (code SHUTTING_DOWN), then end the response. Must not throw.
   */
  end(error: BallastError): void;
}

export interface DrainReport {
  /** Every in-flight request finished inside the grace period. */
  drained: boolean;
  /** Requests still open after streams were ended and abandoned requests answered. */
  remaining: number;
}

/** After the grace period, how long ended streams and answered requests get to flush. */
export const FINAL_FLUSH_MS = 1000;
/** How soon a client refused with SHUTTING_DOWN should retry (another replica will answer). */
export const SHUTTING_DOWN_RETRY_AFTER_SECONDS = 1;

/** Whether the route a request will reach is declared `@OpenWhileDraining()` (probes, scrapes). */
export type DrainPolicy = (req: IncomingMessage) => boolean;

/**
 * Graceful shutdown (contract section 5). `drain()` — called on SIGTERM by
 * exitGracefullyOnSignals — fails readiness at once, refuses new requests
 * with SHUTTING_DOWN, and waits up to SHUTDOWN_GRACE_MS for in-flight
 * requests. When grace runs out, tracked streams are told to end with an
 * error event, requests that have not answered yet get a SHUTTING_DOWN
 * problem, and the rest are left for the server to close.
 *
 * Streaming handlers register themselves:
 *
 *   const stream = { end: (error) => writeErrorEventAndEnd(error) };
 *   shutdown.trackStream(stream);
 *   res.once('close', () => shutdown.untrackStream(stream));
 */
@Injectable()
export class ShutdownCoordinator implements OnModuleInit {
  private draining = false;
  private drainPromise?: Promise<DrainReport>;
  private readonly inFlight = new Map<Response, string | undefined>();
  private readonly streams = new Set<DrainableStream>();
  private readonly drainListeners: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly metrics: BallastMetrics,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register('shutdown', () => (this.draining ? { ready: false, details: { message: 'shutting down' } } : { ready: true }));
  }

  get shuttingDown(): boolean {
    return this.draining;
  }

  get graceMs(): number {
    return this.config.shutdownGraceMs;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Registers an open stream until untrackStream (call it when the stream ends, however it ends). */
  trackStream(stream: DrainableStream): void {
    this.streams.add(stream);
  }

  untrackStream(stream: DrainableStream): void {
    this.streams.delete(stream);
  }

  /** Runs `listener` when draining starts (stop background probes, refuse new work). */
  onDrainStart(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  /**
   * Raw-request middleware (the Fastify edge hook runs it), installed right after the request-lifecycle one by
   * configureApp. Routes open while draining keep working, and never hold
   * the drain up; every other request is counted, and refused once draining.
   */
  middleware(openWhileDraining: DrainPolicy): RawHandler {
    // One listener for every response (`this` is the response), not a closure and a once wrapper per request.
    const finished = (res: Response) => {
      this.inFlight.delete(res);
      if (this.inFlight.size === 0) {
        this.notifyIdle();
      }
    };
    function onResponseClose(this: Response): void {
      finished(this);
    }
    return (req: IncomingMessage, res: Response, next: NextFunction) => {
      if (openWhileDraining(req)) {
        next();
        return;
      }
      if (this.draining) {
        res.setHeader('Connection', 'close');
        next(new BallastError('SHUTTING_DOWN', { retryAfterSeconds: SHUTTING_DOWN_RETRY_AFTER_SECONDS }));
        return;
      }
      this.inFlight.set(res, requestContext.requestId());
      res.on('close', onResponseClose);
      next();
    };
  }

  /** Starts draining (idempotent); resolves when in-flight work is done or has been ended. */
  drain(): Promise<DrainReport> {
    this.drainPromise ??= this.runDrain();
    return this.drainPromise;
  }

  private async runDrain(): Promise<DrainReport> {
    this.draining = true;
    this.logger.info({ in_flight: this.inFlight.size, streams: this.streams.size, grace_ms: this.graceMs }, 'shutting down: draining');
    for (const listener of this.drainListeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error({ err: error }, 'shutdown listener failed');
      }
    }
    if (await this.idleWithin(this.graceMs)) {
      this.logger.info('drained: every in-flight request finished');
      return { drained: true, remaining: 0 };
    }
    this.logger.warn({ in_flight: this.inFlight.size, streams: this.streams.size }, 'grace period over: ending what is still open');
    this.endStreams();
    this.answerWaitingRequests();
    await this.idleWithin(FINAL_FLUSH_MS);
    return { drained: false, remaining: this.inFlight.size };
  }

  private endStreams(): void {
    const error = new BallastError('SHUTTING_DOWN', { retryAfterSeconds: SHUTTING_DOWN_RETRY_AFTER_SECONDS });
    for (const stream of [...this.streams]) {
      this.streams.delete(stream);
      try {
        stream.end(error);
      } catch (thrown) {
        this.logger.error({ err: thrown }, 'a stream failed to end on shutdown');
      }
    }
  }

  /** Requests that have not begun to answer get a proper problem instead of a cut connection. */
  private answerWaitingRequests(): void {
    const error = new BallastError('SHUTTING_DOWN', {
      detail: 'This replica shut down before the answer was ready. Retry; another replica will answer.',
      retryAfterSeconds: SHUTTING_DOWN_RETRY_AFTER_SECONDS,
    });
    for (const [res, requestId] of this.inFlight) {
      if (res.headersSent || res.writableEnded) {
        continue;
      }
      this.metrics.errors.inc({ code: error.code });
      res.setHeader('Connection', 'close');
      sendProblem(res, error, toProblem(error, { instance: res.req.url?.split('?')[0]?.slice(0, 256), requestId }));
    }
  }

  private idleWithin(ms: number): Promise<boolean> {
    if (this.inFlight.size === 0) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== onIdle);
        resolve(false);
      }, ms);
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) {
      waiter();
    }
  }
}
