import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { BodyError } from './body-error';

/** The Content-Encodings body-parser (express.json) inflated, and nothing else. */
const DECODERS = new Map<string, () => Transform>([
  ['gzip', createGunzip],
  ['deflate', createInflate],
  ['br', createBrotliDecompress],
]);

/**
 * The stream that turns a body sent with this Content-Encoding back into its bytes, or undefined when it was sent as
 * it is (no header, or `identity`). Fastify decodes no request body itself (@fastify/compress would, and is not used).
 */
export function decoderFor(contentEncoding: string | undefined): Transform | undefined {
  const encoding = (contentEncoding ?? 'identity').toLowerCase();
  if (encoding === 'identity') {
    return undefined;
  }
  const create = DECODERS.get(encoding);
  if (!create) {
    throw new BodyError('encoding.unsupported', `unsupported content encoding "${encoding}"`);
  }
  return create();
}
