import { BallastError } from '@ballast/errors';
import { assertJsonShape } from './json-shape';

const limits = { maxDepth: 3, maxItems: 4 };
const sut = (json: string) => () => assertJsonShape(Buffer.from(json), limits);

describe('assertJsonShape', () => {
  it.each(['{}', '[[[]]]', '{"a":[1,2,3]}', '"[[[[[[[["', '{"k":"a,b,c,d,e,f"}', '{"k":"\\"[[[[[["}'])('accepts %s', (json) => {
    expect(sut(json)).not.toThrow();
  });

  it('refuses nesting deeper than the limit, counted outside strings only', () => {
    expect(sut('[[[[]]]]')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', detail: expect.stringMatching(/more than 3 levels/) }),
    );
  });

  it('refuses more values than the limit over the whole body', () => {
    expect(sut('[[1,2,3],[4,5]]')).toThrow(BallastError);
    expect(sut('[1,2,3,4,5,6]')).toThrow(expect.objectContaining({ detail: expect.stringMatching(/more than 4 values/) }));
  });

  it('scans 10,000-deep nesting without recursion', () => {
    expect(() =>
      assertJsonShape(Buffer.from('['.repeat(10_000) + ']'.repeat(10_000)), { maxDepth: 20_000, maxItems: 20_000 }),
    ).not.toThrow();
  });
});
