/** One SSE frame of a resumable stream, exactly as it was written; `seq` counts frames from 0 without gaps. */
export interface ReplayFrame {
  seq: number;
  text: string;
  /** `[DONE]` or the error event: nothing follows it. */
  terminal: boolean;
}

/** What a resume needs before the first frame: whose stream it is and the headers the first answer carried. */
export interface StreamMeta {
  /** A digest of the API key that started the stream ('' with auth off); never the key. */
  owner: string;
  headers: Record<string, string>;
}

/** Whether a stream can be resumed after `seq`: unknown/expired, or its oldest events were dropped by the caps. */
export type ReplayCheck = 'ok' | 'missing';

/**
 * The replay buffer behind resumable streams: in memory, or in Redis Streams
 * (shared by replicas). Writes never fail the stream: a store that cannot
 * write keeps going on what it has.
 */
export interface ReplayStore {
  /** Claims the id for a new stream; false when a stream with this id exists already. */
  open(id: string, meta: StreamMeta): Promise<boolean>;
  /** Appends in order; the terminal frame starts the TTL. */
  append(id: string, frame: ReplayFrame): void;
  /** Forgets a stream that never began (it failed before its first chunk). */
  discard(id: string): void;
  meta(id: string): Promise<StreamMeta | undefined>;
  check(id: string, after: number): Promise<ReplayCheck>;
  /** The frames after `after`, then the live tail, until the terminal frame or the signal. */
  frames(id: string, after: number, signal: AbortSignal): AsyncIterable<ReplayFrame>;
  /** A reader attached to the stream, is still reading (renewed while it reads), or has just left. */
  touchReader(id: string, event: ReaderEvent): void;
  /** The generation is still running here (renewed about every second), so remote readers can tell a dead producer. */
  producerAlive(id: string): void;
  /** Whether anyone, on any replica, is reading the stream or left it less than `graceMs` ago. */
  hasReader(id: string, graceMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export type ReaderEvent = 'attach' | 'renew' | 'leave';

export interface ReplayLimits {
  graceMs: number;
  ttlMs: number;
  maxEvents: number;
  maxBytes: number;
  totalBytes: number;
}
