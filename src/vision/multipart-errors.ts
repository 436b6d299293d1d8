import { BallastError, classifyError } from '@ballast/errors';

/** busboy's own errors, matched (never repeated) to say what to fix. */
const BUSBOY_MESSAGES: Array<[RegExp, string]> = [
  [/boundary not found/i, 'The multipart body has no boundary: send Content-Type: multipart/form-data; boundary=<boundary>.'],
  [/unexpected end of (form|multipart)/i, 'The multipart body ended before its closing boundary (a truncated upload?).'],
  [/malformed part header/i, 'A part of the multipart body has a malformed header.'],
  [/unsupported content type/i, 'The multipart body has a content type that cannot be parsed.'],
];

/** Upload failures as taxonomy errors: multer's by code (classifyError), busboy's by message. */
export function translateUploadError(error: unknown): BallastError {
  if (error instanceof Error && !(error instanceof BallastError) && error.name !== 'MulterError') {
    const known = BUSBOY_MESSAGES.find(([pattern]) => pattern.test(error.message));
    if (known) {
      return new BallastError('VALIDATION_FAILED', { detail: known[1], cause: error });
    }
  }
  return classifyError(error);
}
