import type { Logger } from 'pino';
import { StartupTracker } from './startup.tracker';

describe('StartupTracker', () => {
  let sut: StartupTracker;
  beforeEach(() => {
    sut = new StartupTracker({ info: jest.fn(), error: jest.fn() } as unknown as Logger);
  });

  it('is finished only once Nest has booted and every task succeeded', async () => {
    let finishWarmUp!: () => void;
    sut.track('warm-up', new Promise<void>((resolve) => (finishWarmUp = resolve)));
    expect(sut.finished).toBe(false);
    sut.onApplicationBootstrap();
    expect(sut.finished).toBe(false);
    expect(sut.snapshot()).toEqual({ nest: { state: 'done' }, 'warm-up': { state: 'pending' } });
    finishWarmUp();
    await sut.whenSettled();
    expect(sut.finished).toBe(true);
    expect(sut.snapshot()['warm-up']).toEqual({ state: 'done', duration_ms: expect.any(Number) });
  });

  it('stays unfinished for good when a task fails', async () => {
    sut.onApplicationBootstrap();
    sut.track('ocr', Promise.reject(new Error('no language data')));
    await sut.whenSettled();
    expect(sut.finished).toBe(false);
    expect(sut.failed).toBe(true);
    expect(sut.snapshot().ocr.state).toBe('failed');
  });

  it('refuses the same task name twice', () => {
    sut.track('ocr', Promise.resolve());
    expect(() => sut.track('ocr', Promise.resolve())).toThrow(/already tracked/);
  });
});
