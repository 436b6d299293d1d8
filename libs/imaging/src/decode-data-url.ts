import { BallastError } from '@ballast/errors';
import { emptyImageError, tooManyBytesError } from './image-errors';

const DATA_URL = /^data:([^,]*),/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64_URL = /^[A-Za-z0-9_-]*={0,2}$/;

function invalid(detail: string, field?: string): BallastError {
  return new BallastError('VALIDATION_FAILED', { detail, errors: field ? [{ field, message: detail }] : undefined });
}

/**
 * `data:image/...;base64,...` or bare base64 (standard or URL-safe, line
 * breaks allowed) to bytes. The declared media type is ignored on purpose:
 * the pipeline decides the type from the bytes. Sizes are checked before
 * anything is allocated.
 */
export function decodeDataUrlOrBase64(input: string, maxBytes: number, field?: string): Buffer {
  if (typeof input !== 'string') {
    throw invalid('The image must be a base64 string or a data: URL.', field);
  }
  let payload = input.trim();
  if (/^data:/i.test(payload)) {
    const header = DATA_URL.exec(payload.slice(0, 256));
    if (!header) {
      throw invalid('The data URL is malformed: expected data:image/<type>;base64,<data>.', field);
    }
    if (!/;base64$/i.test(header[1])) {
      throw invalid('The data URL must be base64-encoded: data:image/<type>;base64,<data>.', field);
    }
    payload = payload.slice(header[0].length);
  }
  // base64 is 4 characters per 3 bytes; refuse oversize before stripping or decoding.
  if (Math.floor((payload.length * 3) / 4) > maxBytes * 1.1 + 1024) {
    throw tooManyBytesError(Math.floor((payload.length * 3) / 4), maxBytes);
  }
  payload = payload.replace(/\s+/g, '');
  if (payload.length === 0) {
    throw emptyImageError();
  }
  if (!BASE64.test(payload) && !BASE64_URL.test(payload)) {
    throw invalid('The image is not valid base64: it contains characters outside the base64 alphabet.', field);
  }
  if (payload.length % 4 === 1) {
    throw invalid('The image is not valid base64: its length is not a whole number of bytes (truncated?).', field);
  }
  const padding = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0;
  const decodedLength = Math.floor((payload.length * 3) / 4) - padding;
  if (decodedLength > maxBytes) {
    throw tooManyBytesError(decodedLength, maxBytes);
  }
  return Buffer.from(payload, BASE64.test(payload) ? 'base64' : 'base64url');
}
