import { AcceptedImageFormat, RefusedKind } from './image-format';

export type SniffResult = { accepted: true; format: AcceptedImageFormat } | { accepted: false; kind: RefusedKind };

const accept = (format: AcceptedImageFormat): SniffResult => ({ accepted: true, format });
const refuse = (kind: RefusedKind): SniffResult => ({ accepted: false, kind });

function startsWith(bytes: Buffer, signature: number[], offset = 0): boolean {
  return bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);
}

function ascii(bytes: Buffer, start: number, end: number): string {
  return bytes.toString('latin1', start, Math.min(end, bytes.length));
}

const MAGIC: Array<[number[], SniffResult, number?]> = [
  [[0xff, 0xd8, 0xff], accept('jpeg')],
  [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], accept('png')],
  [[0x49, 0x49, 0x2a, 0x00], accept('tiff')],
  [[0x4d, 0x4d, 0x00, 0x2a], accept('tiff')],
  [[0x49, 0x49, 0x2b, 0x00], accept('tiff')],
  [[0x4d, 0x4d, 0x00, 0x2b], accept('tiff')],
  [[0x25, 0x50, 0x44, 0x46, 0x2d], refuse('pdf')],
  [[0x38, 0x42, 0x50, 0x53], refuse('psd')],
  [[0x00, 0x00, 0x01, 0x00], refuse('ico')],
  [[0xff, 0x0a], refuse('jxl')],
  [[0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20], refuse('jxl')],
  [[0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20], refuse('jp2')],
  [[0xff, 0x4f, 0xff, 0x51], refuse('jp2')],
  [[0x50, 0x4b, 0x03, 0x04], refuse('zip')],
  [[0x1f, 0x8b], refuse('gzip')],
  [[0x1a, 0x45, 0xdf, 0xa3], refuse('video')],
];

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'heif', 'mif1', 'msf1']);

/** ISO base media (AVIF, HEIC, MP4): the `ftyp` box lists the brands. */
function sniffIsoMedia(bytes: Buffer): SniffResult {
  const boxEnd = Math.min(bytes.readUInt32BE(0), bytes.length, 256);
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= boxEnd; at += 4) {
    brands.push(ascii(bytes, at, at + 4));
  }
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) {
    return accept('avif');
  }
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) {
    return refuse('heic');
  }
  return refuse('video');
}

/** Markup and plain text: no NUL bytes and (almost) no control characters. */
function sniffText(bytes: Buffer): SniffResult {
  const head = bytes.subarray(0, 4096);
  if (head.length === 0) {
    return refuse('unknown');
  }
  let control = 0;
  for (const byte of head) {
    if (byte === 0) {
      return refuse('unknown');
    }
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) {
      control++;
    }
  }
  if (control > head.length / 100) {
    return refuse('unknown');
  }
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('<') && /<svg[\s>/]/i.test(text)) {
    return refuse('svg');
  }
  if (text.startsWith('<') && /<(!doctype html|html)[\s>]/i.test(text)) {
    return refuse('html');
  }
  return refuse('text');
}

/**
 * Names a file by its first bytes — never by its name or declared type.
 * sharp confirms the accepted ones later; this table decides what to refuse
 * and how to say why.
 */
export function sniffImageType(bytes: Buffer): SniffResult {
  for (const [signature, result] of MAGIC) {
    if (startsWith(bytes, signature)) {
      return result;
    }
  }
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') {
    return accept('gif');
  }
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') {
    return accept('webp');
  }
  if (ascii(bytes, 0, 2) === 'BM' && bytes.length >= 14 && bytes.readUInt32LE(6) === 0) {
    return refuse('bmp');
  }
  if (bytes.length >= 12 && ascii(bytes, 4, 8) === 'ftyp') {
    return sniffIsoMedia(bytes);
  }
  return sniffText(bytes);
}
