import type { StreamingFigure } from '../scenarios/streaming';
import type { LatencySummary } from '../support/stats';
import { rows } from './rows';

const at = (p50: number, p99: number): LatencySummary => ({ count: 100, p50, p95: p99, p99, max: p99, mean: p50 });

function streaming(withFloor: boolean): StreamingFigure {
  const figure: StreamingFigure = {
    firstChunk: { direct: at(0.7, 3.3), proxy: at(1.55, 3.75), ballast: at(2.75, 7.85) } as StreamingFigure['firstChunk'],
    laterChunks: { direct: 0, proxy: 0.92, ballast: 1.69 } as StreamingFigure['laterChunks'],
    laterChunkTransit: { direct: 0.08, proxy: 0.27, ballast: 0.28 } as StreamingFigure['laterChunkTransit'],
    events: 11,
    failures: { direct: 0, proxy: 0, ballast: 0 } as StreamingFigure['failures'],
  };
  if (withFloor) {
    figure.firstChunk.floor = at(1.99, 4.7);
    figure.laterChunks.floor = 1.07;
    figure.laterChunkTransit.floor = 0.265;
    figure.failures.floor = 0;
  }
  return figure;
}

const firstChunkRow = (figure: StreamingFigure) =>
  rows({ streaming: figure }).find((row) => row.figure.startsWith('stream: time to first chunk p50'))!;

describe('the streaming rows', () => {
  it('put the framework floor beside the bare proxy, and Ballast against it, when the run streamed through the floor', () => {
    const sut = firstChunkRow(streaming(true));

    expect(sut).toMatchObject({
      proxy: '1.55 (+0.85)',
      floor: '1.99 (+1.29)',
      ballast: '2.75',
      vsDirect: '+2.05 ms',
      vsFloor: '+0.76 ms',
      target: 'added ≤ 1 ms',
      verdict: 'MISSED',
    });
  });

  it('still read a run from before the floor streamed (its JSON has no floor figures)', () => {
    const sut = rows({ streaming: streaming(false) }).filter((row) => row.figure.includes('chunk'));

    expect(sut.map((row) => [row.floor, row.vsFloor])).toEqual([
      ['—', '—'],
      ['—', '—'],
      ['—', '—'],
      ['—', '—'],
    ]);
    expect(sut[0].verdict).toBe('MISSED');
  });
});
