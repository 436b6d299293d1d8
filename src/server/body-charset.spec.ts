import { acceptedCharset, charsetOf } from './body-charset';

describe('charsetOf', () => {
  it.each([
    ['application/json', undefined],
    ['application/json; charset=utf-8', 'utf-8'],
    ['application/json;charset=UTF-8', 'utf-8'],
    ['application/json; charset="ISO-8859-1"', 'iso-8859-1'],
    ['application/json; foo=bar; charset=utf-16le', 'utf-16le'],
    ['application/json; notcharset=latin1', undefined],
    [undefined, undefined],
  ])('reads %p as %p', (contentType, charset) => {
    expect(charsetOf(contentType)).toBe(charset);
  });
});

describe('acceptedCharset', () => {
  it('takes the first accepted when the header names none', () => {
    expect(acceptedCharset('application/json', ['utf-8'])).toBe('utf-8');
  });

  it('takes a named one that is accepted', () => {
    expect(acceptedCharset('application/x-www-form-urlencoded; charset=ISO-8859-1', ['utf-8', 'iso-8859-1'])).toBe('iso-8859-1');
  });

  it('refuses any other as charset.unsupported', () => {
    expect(() => acceptedCharset('application/json; charset=utf-16le', ['utf-8'])).toThrow(
      expect.objectContaining({ type: 'charset.unsupported' }) as Error,
    );
  });
});
