/** Turns the figures into table rows, against the targets of issue 9. */
import type { PacedFigure } from '../scenarios/chat-latency';
import type { FaultFigure } from '../scenarios/faults';
import type { OpenStreamsFigure } from '../scenarios/open-streams';
import type { StreamingFigure } from '../scenarios/streaming';
import type { ThroughputFigure } from '../scenarios/throughput';
import type { VisionFigure } from '../scenarios/vision';
import type { WorstCaseFigure } from '../scenarios/worst-case-memory';
import type { TargetName } from '../support/targets';
import { added, fmt, ratio, Row, verdict } from './table';

export const TARGETS = {
  addedP50At200Ms: 1,
  addedP99At200Ms: 3,
  minRps: 1500,
  addedFirstChunkMs: 1,
  maxKbPerStream: 50,
};

export interface Figures {
  paced: PacedFigure[];
  throughput: Record<TargetName, ThroughputFigure>;
  streaming: StreamingFigure;
  openStreams: OpenStreamsFigure[];
  faults: FaultFigure[];
  vision: VisionFigure;
  worstCase: WorstCaseFigure;
}

const none = '';

function pacedRows(figure: PacedFigure): Row[] {
  const { latency, rate } = figure;
  const at200 = rate === 200;
  const row = (p: 'p50' | 'p99', limit: number): Row => {
    const extra = latency.ballast[p] - latency.direct[p];
    return {
      figure: `chat ${p} @ ${rate} rps paced (ms)`,
      direct: fmt(latency.direct[p]),
      proxy: `${fmt(latency.proxy[p])} (${added(latency.proxy[p], latency.direct[p], '')})`,
      ballast: fmt(latency.ballast[p]),
      vsDirect: added(latency.ballast[p], latency.direct[p]),
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
      ballast: fmt(figure.cpuPerRequestMs.ballast, '', 3),
      vsDirect: none,
      target: none,
      verdict: none,
    },
  ];
}

function throughputRows(t: Record<TargetName, ThroughputFigure>): Row[] {
  const cell = (f: ThroughputFigure) => `${fmt(f.rps, '', 0)} (${f.connections}c, ${fmt(f.errorRate * 100, '%')} err)`;
  return [
    {
      figure: 'max req/s with < 1% errors (closed loop)',
      direct: cell(t.direct),
      proxy: cell(t.proxy),
      ballast: cell(t.ballast),
      vsDirect: ratio(t.ballast.rps, t.direct.rps),
      target: `≥ ${TARGETS.minRps} req/s`,
      verdict: verdict(t.ballast.rps >= TARGETS.minRps && t.ballast.errorRate < 0.01),
    },
    {
      figure: '  CPU per request at saturation (ms)',
      direct: '—',
      proxy: fmt(t.proxy.cpuPerRequestMs, '', 3),
      ballast: fmt(t.ballast.cpuPerRequestMs, '', 3),
      vsDirect: none,
      target: none,
      verdict: none,
    },
  ];
}

function streamingRows(s: StreamingFigure, open: OpenStreamsFigure[]): Row[] {
  const f = s.firstChunk;
  const proxyOpen = open.find((o) => o.target === 'proxy');
  const ballastOpen = open.find((o) => o.target === 'ballast');
  const rows: Row[] = [
    {
      figure: 'stream: time to first chunk p50 (ms)',
      direct: fmt(f.direct.p50),
      proxy: fmt(f.proxy.p50),
      ballast: fmt(f.ballast.p50),
      vsDirect: added(f.ballast.p50, f.direct.p50),
      target: `added ≤ ${TARGETS.addedFirstChunkMs} ms`,
      verdict: verdict(f.ballast.p50 - f.direct.p50 <= TARGETS.addedFirstChunkMs),
    },
    {
      figure: 'stream: time to first chunk p99 (ms)',
      direct: fmt(f.direct.p99),
      proxy: fmt(f.proxy.p99),
      ballast: fmt(f.ballast.p99),
      vsDirect: added(f.ballast.p99, f.direct.p99),
      target: none,
      verdict: none,
    },
    {
      figure: `stream: each later chunk, added (ms, ${s.events} events 5 ms apart)`,
      direct: fmt(s.laterChunks.direct),
      proxy: fmt(s.laterChunks.proxy),
      ballast: fmt(s.laterChunks.ballast),
      vsDirect: `+${fmt(s.laterChunks.ballast, ' ms')}`,
      target: none,
      verdict: none,
    },
  ];
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

export function rows(figures: Figures): Row[] {
  return [
    ...figures.paced.flatMap(pacedRows),
    ...throughputRows(figures.throughput),
    ...streamingRows(figures.streaming, figures.openStreams),
    ...faultRows(figures.faults),
    ...visionRows(figures.vision),
    ...worstCaseRows(figures.worstCase),
  ];
}
