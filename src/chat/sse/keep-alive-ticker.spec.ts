import { KeepAliveTicker } from './keep-alive-ticker';

describe('KeepAliveTicker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ticks every stream on it from one timer, and runs only while a stream is open', () => {
    const sut = new KeepAliveTicker(1_000);
    const ticks: string[] = [];
    const a = { tick: () => ticks.push('a') };
    const b = { tick: () => ticks.push('b') };
    sut.add(a);
    sut.add(b);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(1_000);
    expect(ticks).toEqual(['a', 'b']);
    sut.delete(a);
    jest.advanceTimersByTime(1_000);
    expect(ticks).toEqual(['a', 'b', 'b']);
    sut.delete(b);
    expect(jest.getTimerCount()).toBe(0);
    sut.add(a);
    expect(jest.getTimerCount()).toBe(1);
  });
});
