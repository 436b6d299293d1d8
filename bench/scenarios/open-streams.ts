/** Memory per open stream: thousands of slow streams held open through the middle process at once. */
import { request } from 'undici';
import { openStreams, OpenStreams } from '../load/sse';
import { Child, setUpstreamFault } from '../support/children';
import { rssKb } from '../support/proc-stats';
import { BenchSettings } from '../support/settings';
import { CHAT_PATH, chatBody, Target } from '../support/targets';

export interface OpenStreamsFigure {
  target: string;
  baselineRssKb: number;
  /**
   * Per requested stream count: how many were open, RSS growth over the
   * baseline per open stream, and the growth per stream since the previous
   * level (insensitive to how the baseline was taken).
   */
  levels: Array<{
    streams: number;
    open: number;
    failed: number;
    rssKb: number;
    kbPerStream: number;
    marginalKbPerStream: number;
    firstFailure?: string;
  }>;
  /**
   * The last level held for SETTLED_WINDOW_MS more, RSS read every second:
   * its lowest, over the baseline, per stream still open. Opening thousands
   * of streams leaves the garbage of their requests in the heap's pages,
   * which V8 returns to the system some 20–30 s later; the level's own
   * figure, read SETTLE_MS after opening, still holds it.
   */
  settled?: { streams: number; open: number; lowestRssKb: number; kbPerStream: number; afterMs: number };
  /** Ballast only: ballast_sse_streams_active once every client had gone. */
  activeAfterClose?: number;
}

/** Long enough that streams stay quiet while measured, shorter than the 30 s idle limit. */
const DRIP_MS = 20_000;
const SETTLE_MS = 3_000;
export const SETTLED_WINDOW_MS = 45_000;
/** Opened and closed before the baseline, so one-time costs (code compiled, pools grown) are not counted per stream. */
const WARM_UP_STREAMS = 200;

async function sseActive(origin: string): Promise<number> {
  const response = await request(`${origin}/metrics`);
  const text = await response.body.text();
  const line = text.split('\n').find((l) => l.startsWith('ballast_sse_streams_active'));
  return line ? Number(line.split(' ').pop()) : NaN;
}

export async function openStreamsMemory(upstream: Child, target: Target, settings: BenchSettings): Promise<OpenStreamsFigure> {
  const middle = target.process!;
  await setUpstreamFault(upstream, { kind: 'drip', intervalMs: DRIP_MS });
  const held: OpenStreams[] = [];
  try {
    await (await openStreams(target.origin, CHAT_PATH, chatBody(target, true), WARM_UP_STREAMS)).closeAll();
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const baselineRssKb = rssKb(middle.pid);
    const figure: OpenStreamsFigure = { target: target.name, baselineRssKb, levels: [] };
    let opened = 0;
    let previous = { rss: baselineRssKb, open: 0 };
    for (const level of settings.openStreams) {
      held.push(await openStreams(target.origin, CHAT_PATH, chatBody(target, true), level - opened));
      opened = level;
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const rss = rssKb(middle.pid);
      const open = held.reduce((n, h) => n + h.open, 0);
      const failed = held.reduce((n, h) => n + h.failed, 0);
      figure.levels.push({
        streams: level,
        open,
        failed,
        rssKb: rss,
        kbPerStream: (rss - baselineRssKb) / Math.max(1, open),
        marginalKbPerStream: (rss - previous.rss) / Math.max(1, open - previous.open),
        firstFailure: held.find((h) => h.firstFailure)?.firstFailure,
      });
      previous = { rss, open };
    }
    figure.settled = await settledRss(middle.pid, held, settings.openStreams.at(-1)!, baselineRssKb);
    await Promise.all(held.map((h) => h.closeAll()));
    held.length = 0;
    if (target.name === 'ballast') {
      // Every stream's end is counted once its client has gone.
      const deadline = Date.now() + 10_000;
      let active = await sseActive(target.origin);
      while (active > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        active = await sseActive(target.origin);
      }
      figure.activeAfterClose = active;
    }
    return figure;
  } finally {
    await Promise.all(held.map((h) => h.closeAll()));
    await setUpstreamFault(upstream, undefined);
  }
}

/** The lowest RSS in the next SETTLED_WINDOW_MS, read every second (a level's streams stay open and quiet meanwhile). */
async function settledRss(pid: number, held: OpenStreams[], streams: number, baselineRssKb: number): Promise<OpenStreamsFigure['settled']> {
  const started = Date.now();
  let lowest = { rssKb: rssKb(pid), afterMs: 0 };
  while (Date.now() - started < SETTLED_WINDOW_MS) {
    await new Promise((r) => setTimeout(r, 1_000)); // sampling a process from outside: nothing to await but time
    const rss = rssKb(pid);
    if (rss < lowest.rssKb) {
      lowest = { rssKb: rss, afterMs: Date.now() - started };
    }
  }
  const open = held.reduce((n, h) => n + h.open, 0);
  return {
    streams,
    open,
    lowestRssKb: lowest.rssKb,
    kbPerStream: (lowest.rssKb - baselineRssKb) / Math.max(1, open),
    afterMs: lowest.afterMs,
  };
}
