/** Streaming clients: one stream timed chunk by chunk, or thousands held open at once. */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Agent, Dispatcher } from 'undici';
import { clientHeaders } from '../support/targets';

export interface TimedStream {
  status: number;
  /** Request handed to the pool → first `data:` event complete, ms. */
  firstChunkMs: number;
  /** Arrival time of every complete event (the first included), ms after the request left. */
  eventTimes: number[];
  /**
   * For events the upstream stamped (`sent_at_ms`, the drip fault's
   * `stamped`): arrival − the upstream's write, ms, by event position;
   * NaN where an event carried no stamp.
   */
  transitMs: number[];
  /** The raw text, for checks. */
  text: string;
}

const STAMP = /"sent_at_ms":([0-9.]+)/;

/** Sends one streaming request and times every SSE event as it arrives. */
let streamsSent = 0;

export async function timedStream(target: Dispatcher, path: string, body: string): Promise<TimedStream> {
  const startedAt = performance.now();
  const response = await target.request({ method: 'POST', path, headers: clientHeaders(streamsSent++), body });
  const eventTimes: number[] = [];
  const transitMs: number[] = [];
  let text = '';
  let scanned = 0;
  for await (const chunk of response.body) {
    const now = performance.now();
    text += (chunk as Buffer).toString('utf8');
    for (let end = text.indexOf('\n\n', scanned); end >= 0; end = text.indexOf('\n\n', scanned)) {
      const event = text.slice(scanned, end);
      if (event.includes('data:')) {
        eventTimes.push(now - startedAt);
        const sentAt = STAMP.exec(event)?.[1];
        transitMs.push(sentAt === undefined ? NaN : performance.timeOrigin + now - Number(sentAt));
      }
      scanned = end + 2;
    }
  }
  return { status: response.statusCode, firstChunkMs: eventTimes[0] ?? NaN, eventTimes, transitMs, text };
}

export interface OpenStreams {
  /** Streams whose first event arrived and which are still open. */
  open: number;
  /** Streams that failed to open (refused, error status, closed early). */
  failed: number;
  firstFailure?: string;
  /** Aborts every stream; resolves when all have ended on this side. */
  closeAll(): Promise<void>;
}

/**
 * Opens `count` streams (in waves of `wave`), each held open after its first
 * event; the upstream's drip keeps them quiet. Reads and discards whatever
 * else arrives (keep-alive comments, late chunks).
 */
export async function openStreams(origin: string, path: string, body: string, count: number, wave = 250): Promise<OpenStreams> {
  const agent = new Agent({ connections: null, pipelining: 0, headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 1000 });
  const abort = new AbortController();
  // One signal ends every stream: it gets one listener per stream.
  setMaxListeners(0, abort.signal);
  const ended: Promise<void>[] = [];
  const result: OpenStreams = {
    open: 0,
    failed: 0,
    closeAll: async () => {
      abort.abort();
      await Promise.allSettled(ended);
      await agent.destroy();
    },
  };
  const openOne = (): Promise<void> =>
    new Promise<void>((resolveOpened) => {
      const fail = (reason: string): void => {
        result.failed++;
        result.firstFailure ??= reason;
        resolveOpened();
      };
      const life = agent
        .request({ origin, method: 'POST', path, headers: clientHeaders(streamsSent++), body, signal: abort.signal })
        .then(async (response) => {
          if (response.statusCode !== 200) {
            fail(`status ${response.statusCode}: ${(await response.body.text()).slice(0, 200)}`);
            return;
          }
          let opened = false;
          let seen = '';
          try {
            for await (const chunk of response.body) {
              if (!opened) {
                seen += (chunk as Buffer).toString('utf8');
                if (seen.includes('data:')) {
                  opened = true;
                  result.open++;
                  resolveOpened();
                }
              }
            }
          } finally {
            if (opened) {
              result.open--;
            } else if (!abort.signal.aborted) {
              fail(`ended before its first event: ${seen.slice(0, 200)}`);
            }
          }
        })
        .catch((error: unknown) => {
          if (!abort.signal.aborted) {
            fail(String((error as Error)?.message ?? error));
          }
        });
      ended.push(life);
    });
  for (let started = 0; started < count; started += wave) {
    await Promise.all(Array.from({ length: Math.min(wave, count - started) }, openOne));
  }
  return result;
}
