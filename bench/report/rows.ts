/** Turns the figures into table rows, against the targets of issues 9 and 17. */
import type { PacedFigure } from '../scenarios/chat-latency';
import type { FaultFigure } from '../scenarios/faults';
import type { IdleFigure } from '../scenarios/idle';
import { SETTLED_WINDOW_MS, type OpenStreamsFigure } from '../scenarios/open-streams';
import type { PoolFigures } from '../scenarios/pools';
import type { StreamingFigure } from '../scenarios/streaming';
import type { ThroughputFigure } from '../scenarios/throughput';
import type { VisionFigure } from '../scenarios/vision';
import type { LatencySummary } from '../support/stats';
import type { WorstCaseFigure } from '../scenarios/worst-case-memory';
import type { TargetName } from '../support/targets';
import { added, fmt, ratio, Row, verdict, withAdded } from './table';

export const TARGETS = {
  addedP50At200Ms: 1,
  addedP99At200Ms: 3,
  /** Max req/s of one Ballast process against the framework floor's, same run. */
  minFloorRatio: 0.6,
  maxCpuPerRequestMs: 0.6,
  addedFirstChunkMs: 1,
  addedLaterChunkMs: 0.5,
  maxKbPerStream: 40,
};

export interface Figures {
  idle?: IdleFigure;
  paced: PacedFigure[];
  throughput: Record<TargetName, ThroughputFigure>;
  streaming: StreamingFigure;
  openStreams: OpenStreamsFigure[];
  faults: FaultFigure[];
  vision: VisionFigure;
  pools?: PoolFigures;
  worstCase?: WorstCaseFigure;
}

const none = '';

function pacedRows(figure: PacedFigure): Row[] {
  const { latency, rate } = figure;
  const floor = latency.floor as LatencySummary | undefined; // absent when a run measured no floor
  const at200 = rate === 200;
  const row = (p: 'p50' | 'p99', limit: number): Row => {
    const extra = latency.ballast[p] - latency.direct[p];
    return {
      figure: `chat ${p} @ ${rate} rps paced (ms)`,
      direct: fmt(latency.direct[p]),
      proxy: withAdded(latency.proxy[p], latency.direct[p]),
      floor: withAdded(floor?.[p], latency.direct[p]),
      ballast: fmt(latency.ballast[p]),
      vsDirect: added(latency.ballast[p], latency.direct[p]),
      vsFloor: floor ? added(latency.ballast[p], floor[p]) : '—',
      target: at200 ? `added ≤ ${limit} ms` : none,
      verdict: at200 ? verdict(extra <= limit) : none,
    };
  };
  return [
    row('p50', TARGETS.addedP50At200Ms),
    row('p99', TARGETS.addedP99At200Ms),
    {
      figure: `  CPU per request @ ${rate} rps (ms)`,
      direct: '—',
      proxy: fmt(figure.cpuPerRequestMs.proxy, '', 3),
      floor: fmt(figure.cpuPerRequestMs.floor, '', 3),
      ballast: fmt(figure.cpuPerRequestMs.ballast, '', 3),
      vsDirect: none,
      vsFloor: ratioOf(figure.cpuPerRequestMs.ballast, figure.cpuPerRequestMs.floor),
      target: none,
      verdict: none,
    },
  ];
}

function idleRows(figure: IdleFigure): Row[] {
  const cpu = figure.cpuMsPerSecond;
  return [
    {
      figure: `CPU while idle, no requests (ms per s, over ${figure.measuredMs / 1000} s)`,
      direct: '—',
      proxy: fmt(cpu.proxy, '', 1),
      floor: fmt(cpu.floor, '', 1),
      ballast: fmt(cpu.ballast, '', 1),
      vsDirect: none,
      vsFloor: none,
      target: none,
      verdict: none,
    },
  ];
}

function ratioOf(value: number | undefined, base: number | undefined): string {
  return value === undefined || base === undefined ? '—' : ratio(value, base);
}

function throughputRows(
  t: Partial<Record<TargetName, ThroughputFigure>> & Record<'direct' | 'proxy' | 'ballast', ThroughputFigure>,
): Row[] {
  const cell = (f: ThroughputFigure | undefined) =>
    f ? `${fmt(f.rps, '', 0)} (${f.connections}c, ${fmt(f.errorRate * 100, '%')} err)` : '—';
  const floorRatio = t.floor ? t.ballast.rps / t.floor.rps : undefined;
  const rows: Row[] = [
    {
      figure: 'max req/s with < 1% errors (closed loop)',
      direct: cell(t.direct),
      proxy: cell(t.proxy),
      floor: cell(t.floor),
      ballast: cell(t.ballast),
      vsDirect: ratio(t.ballast.rps, t.direct.rps),
      vsFloor: ratioOf(t.ballast.rps, t.floor?.rps),
      target: `≥ ${TARGETS.minFloorRatio}× floor`,
      verdict: verdict(floorRatio === undefined ? undefined : floorRatio >= TARGETS.minFloorRatio && t.ballast.errorRate < 0.01),
    },
    {
      figure: '  CPU per request at saturation (ms)',
      direct: '—',
      proxy: fmt(t.proxy.cpuPerRequestMs, '', 3),
      floor: fmt(t.floor?.cpuPerRequestMs, '', 3),
      ballast: fmt(t.ballast.cpuPerRequestMs, '', 3),
      vsDirect: none,
      vsFloor: ratioOf(t.ballast.cpuPerRequestMs, t.floor?.cpuPerRequestMs),
      target: `≤ ${TARGETS.maxCpuPerRequestMs} ms`,
      verdict: verdict(t.ballast.cpuPerRequestMs === undefined ? undefined : t.ballast.cpuPerRequestMs <= TARGETS.maxCpuPerRequestMs),
    },
  ];
  const two = t.ballast2w;
  if (two) {
    rows.push(
      {
        figure: '  WORKERS=2: max req/s (load generator and upstream on the same 2 cores)',
        direct: '—',
        proxy: '—',
        floor: '—',
        ballast: `${cell(two)}, ${ratio(two.rps, t.ballast.rps)} of 1 worker`,
        vsDirect: ratio(two.rps, t.direct.rps),
        vsFloor: ratioOf(two.rps, t.floor?.rps),
        target: none,
        verdict: none,
      },
      {
        figure: '  WORKERS=2: CPU per request, primary + workers (ms)',
        direct: '—',
        proxy: '—',
        floor: '—',
        ballast: fmt(two.cpuPerRequestMs, '', 3),
        vsDirect: none,
        vsFloor: ratioOf(two.cpuPerRequestMs, t.floor?.cpuPerRequestMs),
        target: none,
        verdict: none,
      },
    );
  }
  return rows;
}

function timingRows(s: StreamingFigure): Row[] {
  const f = s.firstChunk;
  const t = s.laterChunkTransit;
  // Absent from runs before the floor streamed (2026-12-03).
  const floorFirst = f.floor as LatencySummary | undefined;
  const floorTransit = t.floor as number | undefined;
  const floorLater = s.laterChunks.floor as number | undefined;
  return [
    {
      figure: 'stream: time to first chunk p50 (ms)',
      direct: fmt(f.direct.p50),
      proxy: withAdded(f.proxy.p50, f.direct.p50),
      floor: withAdded(floorFirst?.p50, f.direct.p50),
      ballast: fmt(f.ballast.p50),
      vsDirect: added(f.ballast.p50, f.direct.p50),
      vsFloor: floorFirst ? added(f.ballast.p50, floorFirst.p50) : '—',
      target: `added ≤ ${TARGETS.addedFirstChunkMs} ms`,
      verdict: verdict(f.ballast.p50 - f.direct.p50 <= TARGETS.addedFirstChunkMs),
    },
    {
      figure: 'stream: time to first chunk p99 (ms)',
      direct: fmt(f.direct.p99),
      proxy: withAdded(f.proxy.p99, f.direct.p99),
      floor: withAdded(floorFirst?.p99, f.direct.p99),
      ballast: fmt(f.ballast.p99),
      vsDirect: added(f.ballast.p99, f.direct.p99),
      vsFloor: floorFirst ? added(f.ballast.p99, floorFirst.p99) : '—',
      target: none,
      verdict: none,
    },
    {
      figure: `stream: each later chunk, transit upstream → client p50 (ms, ${s.events} events 5 ms apart)`,
      direct: fmt(t.direct),
      proxy: withAdded(t.proxy, t.direct),
      floor: withAdded(floorTransit, t.direct),
      ballast: fmt(t.ballast),
      vsDirect: added(t.ballast, t.direct),
      vsFloor: floorTransit === undefined ? '—' : added(t.ballast, floorTransit),
      target: `added ≤ ${TARGETS.addedLaterChunkMs} ms`,
      verdict: verdict(t.ballast - t.direct <= TARGETS.addedLaterChunkMs),
    },
    {
      figure: '  each later chunk, arrival after the request, later than direct (ms; includes the request path)',
      direct: fmt(s.laterChunks.direct),
      proxy: fmt(s.laterChunks.proxy),
      floor: fmt(floorLater),
      ballast: fmt(s.laterChunks.ballast),
      vsDirect: `+${fmt(s.laterChunks.ballast, ' ms')}`,
      vsFloor: floorLater === undefined ? '—' : added(s.laterChunks.ballast, floorLater),
      target: none,
      verdict: none,
    },
  ];
}

/** The streaming rows, and the open-streams rows (BENCH_ONLY=memory has only those). */
function streamingRows(s: StreamingFigure | undefined, open: OpenStreamsFigure[]): Row[] {
  const proxyOpen = open.find((o) => o.target === 'proxy');
  const ballastOpen = open.find((o) => o.target === 'ballast');
  const rows: Row[] = s ? timingRows(s) : [];
  for (const [i, level] of (ballastOpen?.levels ?? []).entries()) {
    const proxyLevel = proxyOpen?.levels[i];
    const cell = (l: OpenStreamsFigure['levels'][number] | undefined) =>
      l
        ? `${fmt(l.kbPerStream)}${i > 0 ? ` (marginal ${fmt(l.marginalKbPerStream)})` : ''}` +
          `${l.open < l.streams ? ` (${l.open} open, ${l.failed} failed)` : ''}`
        : '—';
    rows.push({
      figure: `RSS per open slow stream, ${level.streams} open (KB)`,
      direct: '—',
      proxy: cell(proxyLevel),
      ballast: cell(level),
      vsDirect: none,
      target: `≤ ${TARGETS.maxKbPerStream} KB`,
      verdict: verdict(level.kbPerStream <= TARGETS.maxKbPerStream && level.open === level.streams),
    });
  }
  const settled = ballastOpen?.settled;
  if (settled) {
    const cell = (s: OpenStreamsFigure['settled']) =>
      s ? `${fmt(s.kbPerStream)} (after ${fmt(s.afterMs / 1000, ' s', 0)})${s.open < s.streams ? ` (${s.open} open)` : ''}` : '—';
    rows.push({
      figure: `  the same ${settled.streams}, settled: lowest RSS in the ${SETTLED_WINDOW_MS / 1000} s after opening (KB)`,
      direct: '—',
      proxy: cell(proxyOpen?.settled),
      ballast: cell(settled),
      vsDirect: none,
      target: `≤ ${TARGETS.maxKbPerStream} KB`,
      verdict: verdict(settled.kbPerStream <= TARGETS.maxKbPerStream && settled.open === settled.streams),
    });
  }
  return rows;
}

function faultRows(faults: FaultFigure[]): Row[] {
  return faults.flatMap((f) => {
    const counts = (side: FaultFigure['ballast']) =>
      `${side.sent}/${side.answered}/${side.hung}` + (side.counted !== undefined ? ` (metrics ${side.counted})` : '');
    const good =
      f.ballast.hung === 0 && f.ballast.invalid === 0 && f.ballast.answered === f.ballast.sent && f.ballast.counted === f.ballast.sent;
    return [
      {
        figure: `fault: ${f.name} — success / p99`,
        direct: `${fmt(f.direct.successRate * 100, '%', 1)} / ${fmt(f.direct.p99, ' ms')}`,
        proxy: '—',
        ballast: `${fmt(f.ballast.successRate * 100, '%', 1)} / ${fmt(f.ballast.p99, ' ms')}`,
        vsDirect: `${fmt((f.ballast.successRate - f.direct.successRate) * 100, ' pts', 1)}`,
        target: none,
        verdict: none,
      },
      {
        figure: '  sent / answered / hung',
        direct: counts(f.direct),
        proxy: '—',
        ballast: counts(f.ballast) + (f.ballast.invalid > 0 ? `, ${f.ballast.invalid} invalid` : ''),
        vsDirect: none,
        target: 'hung 0, all answered',
        verdict: verdict(good),
      },
    ];
  });
}

function visionRows(v: VisionFigure): Row[] {
  return [
    {
      figure: `vision: 12 MP JPEG (${(v.imageBytes / 1e6).toFixed(1)} MB) images/s`,
      direct: `${fmt(v.rawSharpPerSecond)} (raw sharp)`,
      proxy: '—',
      ballast: `${fmt(v.pipelinePerSecond)} (ImagePipeline)`,
      vsDirect: ratio(v.pipelinePerSecond, v.rawSharpPerSecond),
      target: none,
      verdict: none,
    },
    {
      figure: `vision: embedded OCR p50 / p95 (ms, ${v.ocr.correct}/${v.ocr.samples} read right)`,
      direct: '—',
      proxy: '—',
      ballast: `${fmt(v.ocr.p50, '', 0)} / ${fmt(v.ocr.p95, '', 0)}`,
      vsDirect: none,
      target: none,
      verdict: none,
    },
  ];
}

/** Pools: a balanced pool against a single entry (paced), and p99 with and without hedging while one member stalls. */
function poolRows(p: PoolFigures): Row[] {
  const { overhead, hedging } = p;
  return [
    {
      figure: `pool of 2 (latency) p50 / p99 @ ${overhead.rate} rps paced (ms)`,
      direct: `${fmt(overhead.single.latency.p50)} / ${fmt(overhead.single.latency.p99)} (single entry)`,
      proxy: '—',
      ballast: `${fmt(overhead.pool.latency.p50)} / ${fmt(overhead.pool.latency.p99)}`,
      vsDirect: added(overhead.pool.latency.p99, overhead.single.latency.p99),
      target: 'no measurable overhead',
      verdict: none,
    },
    {
      figure: `hedging p99 @ ${hedging.rate} rps: ${hedging.description} (ms)`,
      direct: `${fmt(hedging.unhedged.latency.p99)} (hedge off)`,
      proxy: '—',
      ballast: `${fmt(hedging.hedged.latency.p99)} (hedge on)`,
      vsDirect: ratio(hedging.hedged.latency.p99, hedging.unhedged.latency.p99),
      target: 'p99 far below the stall',
      verdict: verdict(hedging.hedged.latency.p99 < hedging.unhedged.latency.p99 / 2),
    },
  ];
}

function worstCaseRows(w: WorstCaseFigure): Row[] {
  return [
    {
      figure: `RSS under ${w.concurrent} concurrent worst-case valid chats (16 images, 96 MP in all; MB before / peak / after; ${w.ok} ok in ${fmt(w.seconds, '', 0)} s)`,
      direct: '—',
      proxy: '—',
      ballast: `${fmt(w.baselineMb, '', 0)} / ${fmt(w.peakMb, '', 0)} / ${fmt(w.settledMb, '', 0)}`,
      vsDirect: none,
      target: none,
      verdict: none,
    },
  ];
}

/** The rows of the figures measured (BENCH_ONLY runs a part of them). */
export function rows(figures: Partial<Figures>): Row[] {
  return [
    ...(figures.idle ? idleRows(figures.idle) : []),
    ...(figures.paced ?? []).flatMap(pacedRows),
    ...(figures.throughput ? throughputRows(figures.throughput) : []),
    ...(figures.streaming || figures.openStreams ? streamingRows(figures.streaming, figures.openStreams ?? []) : []),
    ...(figures.faults ? faultRows(figures.faults) : []),
    ...(figures.vision ? visionRows(figures.vision) : []),
    ...(figures.pools ? poolRows(figures.pools) : []),
    ...(figures.worstCase ? worstCaseRows(figures.worstCase) : []),
  ];
}
