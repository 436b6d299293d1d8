import { parseRetryAfter as sut } from './retry-after';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it.each([
    ['5', 5],
    ['0', 0],
    ['1.2', 2],
    [' 7 ', 7],
  ])('reads delay-seconds %j as %d', (value, expected) => {
    expect(sut({ 'retry-after': value }, 60, now)).toBe(expected);
  });

  it('reads an HTTP date as the seconds until it, and a past date as 0', () => {
    expect(sut({ 'retry-after': 'Tue, 01 Dec 2026 12:00:30 GMT' }, 60, now)).toBe(30);
    expect(sut({ 'retry-after': 'Tue, 01 Dec 2026 11:00:00 GMT' }, 60, now)).toBe(0);
  });

  it('prefers retry-after-ms, rounded up to whole seconds', () => {
    expect(sut({ 'retry-after-ms': '1500', 'retry-after': '9' }, 60, now)).toBe(2);
  });

  it.each([['999999'], ['99999999999999999999'], ['Thu, 01 Jan 2099 00:00:00 GMT']])('clamps the absurd %j to the ceiling', (value) => {
    expect(sut({ 'retry-after': value }, 60, now)).toBe(60);
  });

  it.each([['-5'], ['1e9'], ['soon'], ['0x10'], [''], ['NaN'], ['Infinity'], ['5 seconds']])('reads the junk %j as none', (value) => {
    expect(sut({ 'retry-after': value }, 60, now)).toBeUndefined();
  });

  it('ignores a junk retry-after-ms and falls back to retry-after', () => {
    expect(sut({ 'retry-after-ms': '-1', 'retry-after': '3' }, 60, now)).toBe(3);
  });

  it('takes the first of repeated headers, and none without headers', () => {
    expect(sut({ 'retry-after': ['4', '9'] as unknown as string }, 60, now)).toBe(4);
    expect(sut({}, 60, now)).toBeUndefined();
    expect(sut(undefined, 60, now)).toBeUndefined();
  });
});
