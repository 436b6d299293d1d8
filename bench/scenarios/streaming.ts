/** Streams: what the middle adds to the first chunk and to each chunk after it. */
import { Pool } from 'undici';
import { pool } from '../load/paced';
import { timedStream } from '../load/sse';
import { Child, setUpstreamFault } from '../support/children';
import { BenchSettings } from '../support/settings';
import { LatencySummary, median, summarise } from '../support/stats';
import { CHAT_PATH, chatBody, Target, TargetName } from '../support/targets';

export interface StreamingFigure {
  /** Request sent → first `data:` event, ms. */
  firstChunk: Record<TargetName, LatencySummary>;
  /**
   * How much later than going direct each chunk after the first arrives,
   * counted from the request: per chunk position the median over streams,
   * then the median over positions, ms. The upstream starts its schedule
   * when the request reaches it, so this includes the whole request path
   * in front of the first chunk as well as the chunk's own relay.
   */
  laterChunks: Record<TargetName, number>;
  /**
   * What the middle adds to one later chunk alone: each chunk's transit
   * (the upstream stamps it as it writes it; arrival − stamp), the median
   * over every later chunk of every stream, ms. Going direct is the wire;
   * the others' figure less direct's is what they add per chunk.
   */
  laterChunkTransit: Record<TargetName, number>;
  /** Events per stream (the content chunks and [DONE]). */
  events: number;
  failures: Record<TargetName, number>;
}

/**
 * The upstream sends the first chunk at once and the next ones DRIP_MS
 * apart, as a model does: every chunk reaches the middle on its own. (Sent
 * back to back, they arrive in one read and the first waits until all of
 * them have been handled, which measures the batch, not the first chunk.)
 */
const DRIP_MS = 5;
const BATCH = 10;

export async function streaming(upstream: Child, targets: Target[], settings: BenchSettings): Promise<StreamingFigure> {
  const clients = new Map<TargetName, Pool>(targets.map((t) => [t.name, pool(t.origin, 4)]));
  const arrivals = new Map<TargetName, number[][]>(targets.map((t) => [t.name, []]));
  const transits = new Map<TargetName, number[]>(targets.map((t) => [t.name, []]));
  const failures = new Map<TargetName, number>(targets.map((t) => [t.name, 0]));
  await setUpstreamFault(upstream, { kind: 'drip', intervalMs: DRIP_MS, stamped: true });
  try {
    for (const target of targets) {
      for (let i = 0; i < BATCH; i++) {
        await timedStream(clients.get(target.name)!, CHAT_PATH, chatBody(target, true)); // warm-up
      }
    }
    // One stream at a time, targets in turn a batch each, so a neighbour's load lands on all alike.
    for (let done = 0; done < settings.streamSamples; done += BATCH) {
      for (const target of targets) {
        for (let i = 0; i < BATCH; i++) {
          const stream = await timedStream(clients.get(target.name)!, CHAT_PATH, chatBody(target, true));
          if (stream.status === 200 && stream.eventTimes.length > 1 && stream.text.includes('data: [DONE]')) {
            arrivals.get(target.name)!.push(stream.eventTimes);
            transits.get(target.name)!.push(...laterTransits(target.name, stream.transitMs));
          } else {
            failures.set(target.name, failures.get(target.name)! + 1);
          }
        }
      }
    }
  } finally {
    await setUpstreamFault(upstream, undefined);
    await Promise.all([...clients.values()].map((client) => client.close()));
  }
  const events = Math.min(...[...arrivals.values()].flatMap((streams) => streams.map((times) => times.length)));
  const medianAt = (name: TargetName, k: number) => median(arrivals.get(name)!.map((times) => times[k]));
  const byTarget = <T>(value: (name: TargetName) => T) =>
    Object.fromEntries(targets.map((t) => [t.name, value(t.name)])) as Record<TargetName, T>;
  return {
    firstChunk: byTarget((name) => summarise(arrivals.get(name)!.map((times) => times[0]))),
    laterChunks: byTarget((name) =>
      median(Array.from({ length: Math.max(0, events - 1) }, (_, i) => medianAt(name, i + 1) - medianAt('direct', i + 1))),
    ),
    laterChunkTransit: byTarget((name) => median(transits.get(name)!)),
    events,
    failures: byTarget((name) => failures.get(name)!),
  };
}

/** The stamped content chunks after the first (the usage chunk and `[DONE]` carry no stamp). */
function laterTransits(target: TargetName, transitMs: number[]): number[] {
  const later = transitMs.slice(1).filter((ms) => !Number.isNaN(ms));
  if (later.length === 0) {
    throw new Error(`streaming: ${target}'s chunks arrived without the upstream's sent_at_ms stamp`);
  }
  return later;
}
