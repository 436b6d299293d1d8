import { BallastError } from '@ballast/errors';
import { BallastMetrics, ROOT_LOGGER, requestContext, traceEvent } from '@ballast/observability';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../../config';
import type { AppConfig } from '../../config';
import { SseResponse } from '../sse/sse-response';
import { MemoryReplayStore } from './memory-replay-store';
import { RedisReplayStore } from './redis-replay-store';
import { replayRedis } from './replay-redis';
import { ReplaySink } from './replay-sink';
import type { ReplayStore, StreamMeta } from './replay-store.port';
import { sameOwner } from './stream-owner';

/** The shape of every request id Ballast accepts or makes (observability request-id.ts): anything else names no stream. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface Generation<T> {
  /** Starts the upstream call under the generation's signal; rejects before the first chunk as today. */
  begin(signal: AbortSignal): Promise<T>;
  headers(started: T): Record<string, string>;
  /** Runs the stream into the sink to its end. */
  pipe(started: T, sink: ReplaySink): Promise<unknown>;
  /** Stops a stream that will not be piped: aborts its upstream and frees its slot. */
  cancel(started: T): Promise<void>;
}

/**
 * Resumable streams (contract section 4): the generation writes to the
 * replay buffer and outlives its reader for a grace period; every reader,
 * the first one included, follows the buffer.
 */
@Injectable()
export class ResumableStreams implements OnApplicationShutdown {
  readonly store: ReplayStore;
  /** Generations running in this process, so a shutdown can end them with an error event rather than silence. */
  private readonly live = new Map<string, { controller: AbortController; sink: ReplaySink }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: BallastMetrics,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    const limits = { ...config.streams };
    const memory = new MemoryReplayStore(limits, metrics);
    this.store = config.redisUrl ? new RedisReplayStore(replayRedis(config.redisUrl), memory, limits, metrics, logger) : memory;
  }

  /** Asked for by the request header, or the model's `resumable: true`. */
  wanted(header: string | undefined, publicModel: string): boolean {
    return header?.trim().toLowerCase() === 'true' || this.config.models.models[publicModel]?.resumable === true;
  }

  /** Starts a resumable generation and answers the client by following its buffer from the start. */
  async start<T>(requestId: string, owner: string, client: AbortSignal, res: ServerResponse, generation: Generation<T>): Promise<void> {
    if (await this.store.meta(requestId)) {
      throw idTaken(); // checked before the upstream is asked; open() below settles a race between two replicas
    }
    const controller = new AbortController();
    // Before the first chunk the stream is not resumable yet: a client gone is a request cancelled, as today.
    const cancel = () => controller.abort(client.reason);
    client.addEventListener('abort', cancel, { once: true });
    let started: T;
    try {
      started = await generation.begin(controller.signal);
    } finally {
      client.removeEventListener('abort', cancel);
    }
    const meta: StreamMeta = { owner, headers: generation.headers(started) };
    if (!(await this.store.open(requestId, meta))) {
      controller.abort(new BallastError('CLIENT_CLOSED_REQUEST'));
      await generation.cancel(started);
      throw idTaken();
    }
    const sink = new ReplaySink(this.store, requestId, controller.signal);
    this.store.producerAlive(requestId);
    const watchdog = this.watchReaders(requestId, controller);
    this.live.set(requestId, { controller, sink });
    void generation
      .pipe(started, sink)
      .catch((error: unknown) => this.logger.error({ err: error, request_id: requestId }, 'resumable stream producer failed'))
      .finally(() => {
        clearInterval(watchdog);
        this.live.delete(requestId);
      });
    await this.follow(requestId, -1, meta, client, res);
  }

  /** The stream's meta when `owner` may resume it after `after`; else the one STREAM_NOT_FOUND for every reason. */
  async resumable(requestId: string, after: number, owner: string): Promise<StreamMeta> {
    const meta = REQUEST_ID.test(requestId) ? await this.store.meta(requestId) : undefined;
    if (!meta || !sameOwner(meta.owner, owner) || (await this.store.check(requestId, after)) !== 'ok') {
      this.metrics.streamResumes.inc({ outcome: 'not_found' });
      traceEvent('ballast.resume', { 'ballast.resume.outcome': 'not_found', 'ballast.resume.after': after });
      throw new BallastError('STREAM_NOT_FOUND');
    }
    this.metrics.streamResumes.inc({ outcome: 'resumed' });
    traceEvent('ballast.resume', {
      'ballast.resume.outcome': 'resumed',
      'ballast.resume.after': after,
      'ballast.resume.stream_id': requestId,
      'ballast.route.entry': meta.headers['X-Model-Used'],
    });
    requestContext.note({ model: meta.headers['X-Model-Used'] });
    return meta;
  }

  /** Writes the buffered frames after `after`, then the live tail, to one response, until the end or the reader leaves. */
  async follow(requestId: string, after: number, meta: StreamMeta, client: AbortSignal, res: ServerResponse): Promise<void> {
    const sse = new SseResponse(res, requestId, this.config.sseKeepAliveMs);
    sse.open(meta.headers);
    this.store.touchReader(requestId, 'attach');
    const renew = setInterval(() => this.store.touchReader(requestId, 'renew'), Math.max(50, this.config.streams.graceMs / 3));
    renew.unref();
    try {
      for await (const frame of this.store.frames(requestId, after, client)) {
        if (!sse.writable) {
          break;
        }
        const behind = sse.raw(frame.text);
        if (behind) {
          await behind;
        }
      }
    } finally {
      clearInterval(renew);
      this.store.touchReader(requestId, 'leave');
      sse.end();
    }
  }

  /**
   * After the drain: a generation still running here (its readers gone, or
   * reading from another replica) ends with a retryable SHUTTING_DOWN event
   * in its buffer, so no reader waits for a stream nobody produces.
   */
  async onApplicationShutdown(): Promise<void> {
    const error = new BallastError('SHUTTING_DOWN', { retryAfterSeconds: 1 });
    for (const { controller, sink } of this.live.values()) {
      sink.interrupt(error);
      controller.abort(error);
    }
    await this.store.close();
  }

  /** Aborts the generation once nobody, on any replica, has been reading it for the grace period. */
  private watchReaders(requestId: string, controller: AbortController): NodeJS.Timeout {
    const graceMs = this.config.streams.graceMs;
    const timer = setInterval(
      () => {
        this.store.producerAlive(requestId);
        void this.store.hasReader(requestId, graceMs).then((reading) => {
          if (!reading && !controller.signal.aborted) {
            this.logger.info({ request_id: requestId, grace_ms: graceMs }, 'no reader came back to a resumable stream: generation stopped');
            controller.abort(new BallastError('CLIENT_CLOSED_REQUEST'));
          }
        });
      },
      Math.max(50, Math.min(1000, graceMs / 4)),
    );
    timer.unref();
    return timer;
  }
}

function idTaken(): BallastError {
  return new BallastError('VALIDATION_FAILED', {
    detail: 'X-Request-Id already names a resumable stream. Send a new request id, or resume that stream with Last-Event-ID.',
    errors: [{ field: 'X-Request-Id', message: 'names a resumable stream already' }],
  });
}
