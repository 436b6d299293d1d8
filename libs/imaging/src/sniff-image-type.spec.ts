import { sniffImageType } from './sniff-image-type';

const bytes = (...parts: Array<string | number[]>): Buffer =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));

function ftyp(major: string, ...compatible: string[]): Buffer {
  const body = bytes('ftyp', major, [0, 0, 0, 0], ...compatible);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(body.length + 4);
  return Buffer.concat([size, body, Buffer.alloc(16)]);
}

describe('sniffImageType', () => {
  it.each([
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF')],
    ['png', bytes([0x89], 'PNG\r\n', [0x1a, 0x0a], 'IHDR')],
    ['gif', bytes('GIF89a', [1, 0, 1, 0])],
    ['gif', bytes('GIF87a', [1, 0, 1, 0])],
    ['webp', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ')],
    ['tiff', bytes('II*', [0, 8, 0, 0, 0])],
    ['tiff', bytes('MM', [0, 0x2a, 0, 0, 0, 8])],
    ['avif', ftyp('avif', 'mif1', 'miaf')],
    ['avif', ftyp('mif1', 'avif')],
  ])('accepts %s by its signature', (format, input) => {
    expect(sniffImageType(input)).toEqual({ accepted: true, format });
  });

  it.each([
    ['svg', bytes('<svg xmlns="http://www.w3.org/2000/svg"></svg>')],
    ['svg', bytes([0xef, 0xbb, 0xbf], '  <?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg width="1">')],
    ['html', bytes('<!DOCTYPE html><html><body>hi</body></html>')],
    ['pdf', bytes('%PDF-1.7\n')],
    ['heic', ftyp('heic', 'mif1', 'heic')],
    ['heic', ftyp('mif1', 'heic')],
    ['video', ftyp('isom', 'mp41')],
    ['bmp', bytes('BM', [0x36, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0])],
    ['psd', bytes('8BPS', [0, 1])],
    ['ico', bytes([0, 0, 1, 0, 1, 0, 16, 16])],
    ['jxl', bytes([0xff, 0x0a, 0, 0])],
    ['zip', bytes('PK', [3, 4, 20, 0])],
    ['gzip', bytes([0x1f, 0x8b, 8, 0])],
    ['text', bytes('Hello, this is not an image.\n')],
    ['text', bytes('BMW is a car, not a bitmap\n')],
    ['unknown', bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])],
    ['unknown', Buffer.alloc(0)],
  ])('refuses %s and names it', (kind, input) => {
    expect(sniffImageType(input)).toEqual({ accepted: false, kind });
  });
});
