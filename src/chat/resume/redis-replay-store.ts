import { BallastMetrics } from '@ballast/observability';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import { MemoryReplayStore } from './memory-replay-store';
import { ReaderEvent, ReplayCheck, ReplayFrame, ReplayLimits, ReplayStore, StreamMeta } from './replay-store.port';

/** Frames of one XRANGE page; a replay reads page by page so a long stream never lands in one reply. */
const PAGE = 256;
/** How long one XREAD BLOCK waits before the reader checks that the stream's producer is still alive. */
const BLOCK_MS = 5000;
/** The producer renews its key about every second; missing this long, it is gone (crashed, killed). */
const PRODUCER_LEASE_MS = 5000;

const key = {
  meta: (id: string) => `ballast:stream:{${id}}:meta`,
  events: (id: string) => `ballast:stream:{${id}}:events`,
  reader: (id: string) => `ballast:stream:{${id}}:reader`,
  producer: (id: string) => `ballast:stream:{${id}}:producer`,
};
/** Redis stream ids are `<ms>-<n>`; a frame's is `0-<seq + 1>` (0-0 is not allowed), so replays need no index. */
const entryId = (seq: number) => `0-${seq + 1}`;
const seqOf = (entryId: string) => Number(entryId.slice(entryId.indexOf('-') + 1)) - 1;

type Entries = Array<[string, string[]]>;

/**
 * The replay buffer in Redis Streams, so a resume can land on any replica:
 * XADD with MINID (the per-stream caps, as the local copy applied them) and
 * PEXPIRE (the TTL runs from the last frame), XRANGE for the replay, XREAD
 * BLOCK on a connection of its own for the live tail. Streams produced here
 * are also kept in memory, so local readers never wait on Redis and a Redis
 * outage degrades to memory-only resumes instead of failures.
 */
export class RedisReplayStore implements ReplayStore {
  private reachable = true;

  constructor(
    private readonly redis: Redis,
    private readonly local: MemoryReplayStore,
    private readonly limits: ReplayLimits,
    private readonly metrics: BallastMetrics,
    private readonly logger: Logger,
  ) {}

  async open(id: string, meta: StreamMeta): Promise<boolean> {
    if (!this.local.openSync(id, meta)) {
      return false;
    }
    try {
      const claimed = await this.redis.set(key.meta(id), JSON.stringify(meta), 'PX', this.limits.ttlMs, 'NX');
      this.up();
      if (claimed === null) {
        this.local.discard(id);
        return false;
      }
    } catch (error) {
      this.down(error);
    }
    return true;
  }

  append(id: string, frame: ReplayFrame): void {
    this.local.append(id, frame);
    const kept = this.local.firstSeq(id) ?? frame.seq;
    // One pipeline per frame: ioredis keeps commands in order on the connection, so frames arrive in seq order.
    this.redis
      .multi()
      .xadd(key.events(id), 'MINID', entryId(kept), entryId(frame.seq), 'f', frame.text, 't', frame.terminal ? '1' : '0')
      .pexpire(key.events(id), this.limits.ttlMs)
      .pexpire(key.meta(id), this.limits.ttlMs)
      .exec()
      .then(
        () => this.up(),
        (error: unknown) => this.down(error),
      );
  }

  discard(id: string): void {
    this.local.discard(id);
    this.redis.del(key.meta(id), key.events(id)).catch((error: unknown) => this.down(error));
  }

  async meta(id: string): Promise<StreamMeta | undefined> {
    const local = await this.local.meta(id);
    if (local) {
      return local;
    }
    try {
      const text = await this.redis.get(key.meta(id));
      this.up();
      return text ? (JSON.parse(text) as StreamMeta) : undefined;
    } catch (error) {
      this.down(error);
      return undefined;
    }
  }

  async check(id: string, after: number): Promise<ReplayCheck> {
    if (this.local.has(id)) {
      return this.local.check(id, after);
    }
    try {
      const [oldest] = (await this.redis.xrange(key.events(id), '-', '+', 'COUNT', 1)) as Entries;
      this.up();
      return !oldest || seqOf(oldest[0]) <= after + 1 ? 'ok' : 'missing';
    } catch (error) {
      this.down(error);
      return 'missing';
    }
  }

  frames(id: string, after: number, signal: AbortSignal): AsyncIterable<ReplayFrame> {
    return this.local.has(id) ? this.local.frames(id, after, signal) : this.remoteFrames(id, after, signal);
  }

  touchReader(id: string, event: ReaderEvent): void {
    this.local.touchReader(id, event);
    // Present while renewed; a reader that left counts for one more grace period, as in memory.
    this.redis.set(key.reader(id), '1', 'PX', this.limits.graceMs).catch((error: unknown) => this.down(error));
  }

  producerAlive(id: string): void {
    this.redis.set(key.producer(id), '1', 'PX', PRODUCER_LEASE_MS).catch((error: unknown) => this.down(error));
  }

  async hasReader(id: string, graceMs: number): Promise<boolean> {
    if (await this.local.hasReader(id, graceMs)) {
      return true;
    }
    try {
      const present = (await this.redis.exists(key.reader(id))) > 0;
      this.up();
      return present;
    } catch (error) {
      this.down(error);
      return false;
    }
  }

  /** QUIT, not disconnect: the frames written last (a shutdown's error events) must reach Redis first. */
  async close(): Promise<void> {
    await this.local.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async *remoteFrames(id: string, after: number, signal: AbortSignal): AsyncIterable<ReplayFrame> {
    let last = after;
    for (;;) {
      const page = (await this.redis.xrange(key.events(id), entryId(last + 1), '+', 'COUNT', PAGE)) as Entries;
      for (const entry of page) {
        const frame = toFrame(entry);
        last = frame.seq;
        yield frame;
        if (frame.terminal) {
          return;
        }
      }
      if (page.length < PAGE) {
        break;
      }
    }
    // The live tail: a blocking read needs a connection of its own (it holds the connection while it waits).
    const tail = this.redis.duplicate({ commandTimeout: undefined, lazyConnect: true, enableOfflineQueue: true });
    tail.on('error', () => undefined); // a failed read ends this reader; counted below
    const stop = () => tail.disconnect();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await tail.connect();
      while (!signal.aborted) {
        const reply = (await tail.xread('BLOCK', BLOCK_MS, 'STREAMS', key.events(id), entryId(last))) as Array<[string, Entries]> | null;
        if (!reply) {
          if ((await this.redis.exists(key.producer(id))) === 0) {
            return; // no end written and nobody producing it any more (the replica died)
          }
          continue;
        }
        for (const entry of reply[0][1]) {
          const frame = toFrame(entry);
          last = frame.seq;
          yield frame;
          if (frame.terminal) {
            return;
          }
        }
      }
    } catch (error) {
      if (!signal.aborted) {
        this.down(error);
      }
    } finally {
      signal.removeEventListener('abort', stop);
      tail.disconnect();
    }
  }

  private up(): void {
    if (!this.reachable) {
      this.reachable = true;
      this.logger.info('redis reachable again: resumable streams are shared by replicas');
    }
  }

  private down(error: unknown): void {
    this.metrics.replayStoreErrors.inc();
    if (this.reachable) {
      this.reachable = false;
      const err = error instanceof Error ? { name: error.name, message: error.message } : undefined;
      this.logger.warn({ err }, 'redis unreachable: resumable streams fall back to this replica’s memory');
    }
  }
}

function toFrame([id, fields]: [string, string[]]): ReplayFrame {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    values.set(fields[i], fields[i + 1]);
  }
  return { seq: seqOf(id), text: values.get('f') ?? '', terminal: values.get('t') === '1' };
}
