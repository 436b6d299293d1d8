import { BallastMetrics } from '@ballast/observability';
import { ReaderEvent, ReplayCheck, ReplayFrame, ReplayLimits, ReplayStore, StreamMeta } from './replay-store.port';

interface Entry {
  meta: StreamMeta;
  /** The kept window: contiguous seqs, the oldest dropped first when a per-stream cap is passed. */
  frames: ReplayFrame[];
  bytes: number;
  nextSeq: number;
  finished: boolean;
  expiry?: NodeJS.Timeout;
  wake: Set<() => void>;
  readers: number;
  readerLeftAt: number;
}

/**
 * The replay buffer in this process. Bounded per stream (events, bytes: the
 * oldest frames go, and a resume from before them is refused), in time (TTL
 * after the end) and in total (the oldest finished streams go first; live
 * streams are bounded by the per-stream cap times the open streams).
 */
export class MemoryReplayStore implements ReplayStore {
  private readonly entries = new Map<string, Entry>();
  /** Finished streams in the order they finished: the first to go under the total cap. */
  private readonly finished = new Set<string>();
  private totalBytes = 0;

  constructor(
    private readonly limits: ReplayLimits,
    private readonly metrics: BallastMetrics,
  ) {}

  get bytes(): number {
    return this.totalBytes;
  }

  get streams(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** The oldest seq still kept for a stream (after the per-stream caps), or undefined for an unknown one. */
  firstSeq(id: string): number | undefined {
    const entry = this.entries.get(id);
    return entry && this.firstOf(entry);
  }

  open(id: string, meta: StreamMeta): Promise<boolean> {
    return Promise.resolve(this.openSync(id, meta));
  }

  openSync(id: string, meta: StreamMeta): boolean {
    if (this.entries.has(id)) {
      return false;
    }
    this.entries.set(id, {
      meta,
      frames: [],
      bytes: 0,
      nextSeq: 0,
      finished: false,
      wake: new Set(),
      readers: 0,
      readerLeftAt: Date.now(),
    });
    this.publish();
    return true;
  }

  append(id: string, frame: ReplayFrame): void {
    const entry = this.entries.get(id);
    if (!entry || entry.finished) {
      return;
    }
    entry.frames.push(frame);
    entry.nextSeq = frame.seq + 1;
    const size = Buffer.byteLength(frame.text);
    entry.bytes += size;
    this.totalBytes += size;
    while (entry.frames.length > 1 && (entry.frames.length > this.limits.maxEvents || entry.bytes > this.limits.maxBytes)) {
      this.dropOldest(entry);
    }
    if (frame.terminal) {
      entry.finished = true;
      this.finished.add(id);
      entry.expiry = setTimeout(() => this.remove(id), this.limits.ttlMs);
      entry.expiry.unref();
    }
    for (const wake of entry.wake) {
      wake();
    }
    entry.wake.clear();
    this.enforceTotal();
    this.publish();
  }

  discard(id: string): void {
    this.remove(id);
  }

  meta(id: string): Promise<StreamMeta | undefined> {
    return Promise.resolve(this.entries.get(id)?.meta);
  }

  check(id: string, after: number): Promise<ReplayCheck> {
    const entry = this.entries.get(id);
    return Promise.resolve(entry && after + 1 >= this.firstOf(entry) ? 'ok' : 'missing');
  }

  async *frames(id: string, after: number, signal: AbortSignal): AsyncIterable<ReplayFrame> {
    const entry = this.entries.get(id);
    if (!entry) {
      return;
    }
    let next = after + 1;
    while (!signal.aborted) {
      const index = next - this.firstOf(entry);
      if (index < 0) {
        return; // the reader fell behind the kept window: it cannot be served exactly once
      }
      if (index < entry.frames.length) {
        const frame = entry.frames[index];
        next = frame.seq + 1;
        yield frame;
        if (frame.terminal) {
          return;
        }
        continue;
      }
      if (entry.finished || !this.entries.has(id)) {
        return;
      }
      await this.nextAppend(entry, signal);
    }
  }

  touchReader(id: string, event: ReaderEvent): void {
    const entry = this.entries.get(id);
    if (!entry) {
      return;
    }
    entry.readers = Math.max(0, entry.readers + (event === 'attach' ? 1 : event === 'leave' ? -1 : 0));
    entry.readerLeftAt = Date.now();
  }

  producerAlive(): void {
    // In one process a producer that dies takes its readers with it.
  }

  hasReader(id: string, graceMs: number): Promise<boolean> {
    const entry = this.entries.get(id);
    return Promise.resolve(entry !== undefined && (entry.readers > 0 || Date.now() - entry.readerLeftAt < graceMs));
  }

  close(): Promise<void> {
    for (const id of [...this.entries.keys()]) {
      this.remove(id);
    }
    return Promise.resolve();
  }

  private nextAppend(entry: Entry, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const settle = () => {
        entry.wake.delete(settle);
        signal.removeEventListener('abort', settle);
        resolve();
      };
      entry.wake.add(settle);
      signal.addEventListener('abort', settle, { once: true });
    });
  }

  private firstOf(entry: Entry): number {
    return entry.frames.length > 0 ? entry.frames[0].seq : entry.nextSeq;
  }

  private dropOldest(entry: Entry): void {
    const dropped = entry.frames.shift()!;
    const size = Buffer.byteLength(dropped.text);
    entry.bytes -= size;
    this.totalBytes -= size;
  }

  private enforceTotal(): void {
    for (const id of this.finished) {
      if (this.totalBytes <= this.limits.totalBytes) {
        return;
      }
      this.remove(id);
    }
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) {
      return;
    }
    clearTimeout(entry.expiry);
    this.totalBytes -= entry.bytes;
    this.entries.delete(id);
    this.finished.delete(id);
    for (const wake of entry.wake) {
      wake();
    }
    this.publish();
  }

  private publish(): void {
    this.metrics.replayBufferBytes.set(this.totalBytes);
    this.metrics.replayBufferStreams.set(this.entries.size);
  }
}
