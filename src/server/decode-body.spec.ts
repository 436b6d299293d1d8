import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { Transform } from 'node:stream';
import { BodyError } from './body-error';
import { decoderFor } from './decode-body';

async function decoded(decoder: Transform, bytes: Buffer): Promise<string> {
  const chunks: Buffer[] = [];
  decoder.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => decoder.once('end', resolve));
  decoder.end(bytes);
  await ended;
  return Buffer.concat(chunks).toString('utf8');
}

describe('decoderFor', () => {
  it.each([[undefined], ['identity'], ['IDENTITY']])('has nothing to decode for %p', (encoding) => {
    expect(decoderFor(encoding)).toBeUndefined();
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
    ['Gzip', gzipSync],
  ])('decodes %s', async (encoding, encode) => {
    await expect(decoded(decoderFor(encoding)!, encode('{"a":1}'))).resolves.toBe('{"a":1}');
  });

  it.each([['x-gzip'], ['compress'], ['gzip, br'], ['zstd'], ['constructor']])('refuses %p as encoding.unsupported', (encoding) => {
    expect(() => decoderFor(encoding)).toThrow(expect.objectContaining({ type: 'encoding.unsupported' }) as BodyError);
  });
});
