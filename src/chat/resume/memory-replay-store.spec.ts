import { BallastMetrics } from '@ballast/observability';
import { MemoryReplayStore } from './memory-replay-store';
import type { ReplayFrame, ReplayLimits } from './replay-store.port';

const limits: ReplayLimits = { graceMs: 1000, ttlMs: 60_000, maxEvents: 100, maxBytes: 10_000, totalBytes: 50_000 };
const meta = { owner: '', headers: {} };
const frame = (seq: number, text = `id: s:${seq}\ndata: {}\n\n`, terminal = false): ReplayFrame => ({ seq, text, terminal });

async function collect(iterable: AsyncIterable<ReplayFrame>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const f of iterable) {
    seqs.push(f.seq);
  }
  return seqs;
}

describe('MemoryReplayStore', () => {
  const metrics = new BallastMetrics({ defaultMetrics: false });
  afterEach(() => jest.useRealTimers());

  it('replays the frames after a seq, then follows the live tail to the terminal frame', async () => {
    const sut = new MemoryReplayStore(limits, metrics);
    await sut.open('s', meta);
    sut.append('s', frame(0));
    sut.append('s', frame(1));
    const reading = collect(sut.frames('s', 0, new AbortController().signal));
    sut.append('s', frame(2));
    sut.append('s', frame(3, 'data: [DONE]\n\n', true));
    await expect(reading).resolves.toEqual([1, 2, 3]);
  });

  it('refuses a second stream with the same id', async () => {
    const sut = new MemoryReplayStore(limits, metrics);
    expect(await sut.open('s', meta)).toBe(true);
    expect(await sut.open('s', meta)).toBe(false);
  });

  it('drops the oldest frames past the per-stream caps, and a resume from before them is refused', async () => {
    const sut = new MemoryReplayStore({ ...limits, maxEvents: 3 }, metrics);
    await sut.open('s', meta);
    for (let seq = 0; seq < 5; seq++) {
      sut.append('s', frame(seq));
    }
    expect(await sut.check('s', 0)).toBe('missing'); // seq 1 is gone
    expect(await sut.check('s', 1)).toBe('ok');
    expect(await sut.check('unknown', -1)).toBe('missing');
  });

  it('forgets a finished stream after the TTL', async () => {
    jest.useFakeTimers();
    const sut = new MemoryReplayStore(limits, metrics);
    await sut.open('s', meta);
    sut.append('s', frame(0, 'data: [DONE]\n\n', true));
    jest.advanceTimersByTime(limits.ttlMs - 1);
    expect(await sut.meta('s')).toBeDefined();
    jest.advanceTimersByTime(1);
    expect(await sut.meta('s')).toBeUndefined();
    expect(sut.bytes).toBe(0);
  });

  it('keeps the total under its cap by dropping the oldest finished streams first, never a live one', async () => {
    const sut = new MemoryReplayStore({ ...limits, totalBytes: 3000 }, metrics);
    const big = 'x'.repeat(1000);
    await sut.open('live', meta);
    sut.append('live', frame(0, big));
    for (const id of ['old', 'mid', 'new']) {
      await sut.open(id, meta);
      sut.append(id, frame(0, big, true));
    }
    expect(sut.bytes).toBeLessThanOrEqual(3000);
    expect(await sut.meta('old')).toBeUndefined();
    expect(await sut.meta('live')).toBeDefined();
    expect(await sut.meta('new')).toBeDefined();
    expect((await metrics.replayBufferBytes.get()).values[0].value).toBe(sut.bytes);
  });

  it('counts a reader present while attached and for the grace after it left', async () => {
    jest.useFakeTimers();
    const sut = new MemoryReplayStore(limits, metrics);
    await sut.open('s', meta);
    sut.touchReader('s', 'attach');
    jest.advanceTimersByTime(5000);
    expect(await sut.hasReader('s', 1000)).toBe(true);
    sut.touchReader('s', 'leave');
    jest.advanceTimersByTime(999);
    expect(await sut.hasReader('s', 1000)).toBe(true);
    jest.advanceTimersByTime(1);
    expect(await sut.hasReader('s', 1000)).toBe(false);
  });
});
