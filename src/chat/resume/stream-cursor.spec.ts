import { BallastError } from '@ballast/errors';
import { cursorFor, parseLastEventId } from './stream-cursor';

describe('stream cursors', () => {
  it('reads <request_id>:<seq>, request ids with colons included', () => {
    expect(parseLastEventId('01J:abc:7')).toEqual({ requestId: '01J:abc', after: 7 });
  });

  it.each(['', 'abc', 'abc:', ':3', 'abc:-1', 'abc:1.5', 'abc:01'])('refuses %p as VALIDATION_FAILED', (value) => {
    expect(() => parseLastEventId(value)).toThrow(BallastError);
  });

  it('prefers Last-Event-ID, then ?after=, then the start', () => {
    expect(cursorFor('r', 'r:4', '9')).toEqual({ requestId: 'r', after: 4 });
    expect(cursorFor('r', undefined, '9')).toEqual({ requestId: 'r', after: 9 });
    expect(cursorFor('r', undefined, undefined)).toEqual({ requestId: 'r', after: -1 });
    expect(() => cursorFor('r', 'other:4', undefined)).toThrow(BallastError);
    expect(() => cursorFor('r', undefined, ['1', '2'])).toThrow(BallastError);
  });
});
