import { BallastError } from '@ballast/errors';
import { decodeDataUrlOrBase64 } from './decode-data-url';

const PAYLOAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0xfd]);
const B64 = PAYLOAD.toString('base64');

function refusal(run: () => unknown): BallastError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(BallastError);
    return err as BallastError;
  }
  throw new Error('expected a refusal');
}

describe('decodeDataUrlOrBase64', () => {
  it.each([
    ['a data: URL', `data:image/png;base64,${B64}`],
    ['a data: URL with parameters, upper-case scheme', `DATA:image/png;name=x.png;BASE64,${B64}`],
    ['bare base64', B64],
    ['base64 with line breaks and surrounding spaces', `  ${B64.slice(0, 4)}\r\n${B64.slice(4)}\n`],
    ['URL-safe base64 without padding', PAYLOAD.toString('base64url')],
  ])('decodes %s', (_label, input) => {
    expect(decodeDataUrlOrBase64(input, 1024)).toEqual(PAYLOAD);
  });

  it('ignores the declared media type (the bytes decide later)', () => {
    expect(decodeDataUrlOrBase64(`data:text/plain;base64,${B64}`, 1024)).toEqual(PAYLOAD);
  });

  it.each([
    ['a data: URL without a comma', 'data:image/png;base64', /malformed/],
    ['a data: URL that is not base64', 'data:image/png,rawbytes', /must be base64-encoded/],
    ['characters outside the alphabet', 'abc$def!', /outside the base64 alphabet/],
    ['padding in the middle', 'QQ==QQ==', /outside the base64 alphabet/],
    ['an impossible length', 'QUJDR', /not a whole number of bytes/],
  ])('refuses %s with VALIDATION_FAILED naming the problem', (_label, input, detail) => {
    const err = refusal(() => decodeDataUrlOrBase64(input, 1024, 'image'));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.detail).toMatch(detail);
    expect(err.errors).toEqual([{ field: 'image', message: err.detail }]);
  });

  it.each([
    ['an empty string', ''],
    ['an empty data: URL', 'data:image/png;base64,'],
  ])('refuses %s as an empty image', (_label, input) => {
    expect(refusal(() => decodeDataUrlOrBase64(input, 1024))).toMatchObject({ code: 'VALIDATION_FAILED', detail: 'The image is empty.' });
  });

  it('refuses more than maxBytes with PAYLOAD_TOO_LARGE, exactly at the limit', () => {
    const ten = Buffer.alloc(10, 7).toString('base64');
    expect(decodeDataUrlOrBase64(ten, 10)).toHaveLength(10);
    expect(refusal(() => decodeDataUrlOrBase64(ten, 9)).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a huge string by its length, before scanning or decoding it', () => {
    // The invalid last character would be VALIDATION_FAILED if the string were scanned first.
    const huge = `${'A'.repeat(50 * 1024 * 1024)}$`;
    expect(refusal(() => decodeDataUrlOrBase64(huge, 1024 * 1024)).code).toBe('PAYLOAD_TOO_LARGE');
  });
});
