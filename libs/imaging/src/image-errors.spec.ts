import { unreadableImageError } from './image-errors';

describe('unreadableImageError', () => {
  const png = Buffer.from('\x89PNG\r\n\x1a\n....IEND....', 'latin1');

  it("maps sharp's pixel limit to IMAGE_TOO_LARGE", () => {
    const err = unreadableImageError('png', png, new Error('Input image exceeds pixel limit'), 'pixels', 40_000_000);
    expect(err.code).toBe('IMAGE_TOO_LARGE');
    expect(err.detail).toMatch(/40\.0 megapixels/);
  });

  it('never repeats the foreign message, keeping it as the cause', () => {
    const cause = new Error('vipspng: libpng read error at /usr/lib/x.so');
    const err = unreadableImageError('png', png, cause, 'pixels', 1);
    expect(err).toMatchObject({ code: 'IMAGE_UNREADABLE', cause });
    expect(err.detail).toBe('The PNG image data is corrupt and cannot be decoded. Re-export or re-upload the file.');
  });

  it('recognises truncation from the message or from a missing end marker', () => {
    expect(unreadableImageError('jpeg', Buffer.alloc(4), new Error('VipsJpeg: premature end of JPEG image'), 'pixels', 1).detail).toMatch(
      /^The JPEG data ends early/,
    );
    expect(unreadableImageError('png', png.subarray(0, 8), new Error('read error'), 'pixels', 1).detail).toMatch(
      /^The PNG data ends early/,
    );
    expect(unreadableImageError('gif', Buffer.from('GIF89a'), new Error('x'), 'header', 1).detail).toMatch(/^The GIF data ends early/);
  });

  it('blames the header when the header cannot be read', () => {
    expect(unreadableImageError('jpeg', Buffer.alloc(4), new Error('x'), 'header', 1).detail).toBe(
      'The file starts like a JPEG image but its header is damaged or incomplete.',
    );
  });
});
