import { BallastError } from '@ballast/errors';
import { AcceptedImageFormat, FORMAT_LABEL } from './image-format';

const MIB = 1024 * 1024;

function megabytes(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MB`;
}

function megapixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(1)} megapixels`;
}

export function emptyImageError(): BallastError {
  return new BallastError('VALIDATION_FAILED', { detail: 'The image is empty.' });
}

export function tooManyBytesError(bytes: number, maxBytes: number): BallastError {
  return new BallastError('PAYLOAD_TOO_LARGE', {
    detail: `The image is ${megabytes(bytes)}; the largest accepted is ${megabytes(maxBytes)}.`,
  });
}

export function tooManyPixelsError(maxPixels: number, width?: number, height?: number, cause?: unknown): BallastError {
  const size = width && height ? `${width}x${height} pixels (${megapixels(width * height)})` : 'more pixels than accepted';
  return new BallastError('IMAGE_TOO_LARGE', {
    detail: `The image is ${size}; the largest accepted is ${megapixels(maxPixels)}. Downscale it and try again.`,
    cause,
  });
}

const TRUNCATION_TEXT = /premature end|unexpected end|end of file|truncated|not enough data|out of data/i;

/** Structural end markers, because some decoders only say "read error". */
function endsEarly(format: AcceptedImageFormat, bytes: Buffer): boolean {
  switch (format) {
    case 'png':
      return bytes.lastIndexOf('IEND', undefined, 'latin1') < 0;
    case 'gif':
      return bytes[bytes.length - 1] !== 0x3b;
    case 'webp':
      return bytes.length >= 8 && bytes.readUInt32LE(4) + 8 > bytes.length;
    case 'tiff': {
      const offset = bytes.length >= 8 ? (bytes[0] === 0x49 ? bytes.readUInt32LE(4) : bytes.readUInt32BE(4)) : 0;
      return offset >= bytes.length;
    }
    case 'jpeg':
    case 'avif':
      return false;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Turns a sharp/libvips failure into a client-safe reason. The foreign
 * message is only matched, never repeated: it stays in `cause`.
 */
export function unreadableImageError(
  format: AcceptedImageFormat,
  bytes: Buffer,
  err: unknown,
  stage: 'header' | 'pixels',
  maxPixels: number,
): BallastError {
  const message = messageOf(err);
  if (/exceeds pixel limit/i.test(message)) {
    return tooManyPixelsError(maxPixels, undefined, undefined, err);
  }
  const label = FORMAT_LABEL[format];
  let detail: string;
  if (TRUNCATION_TEXT.test(message) || endsEarly(format, bytes)) {
    detail = `The ${label} data ends early (truncated file). Re-export or re-upload the complete file.`;
  } else if (stage === 'header') {
    detail = `The file starts like a ${label} image but its header is damaged or incomplete.`;
  } else {
    detail = `The ${label} image data is corrupt and cannot be decoded. Re-export or re-upload the file.`;
  }
  return new BallastError('IMAGE_UNREADABLE', { detail, cause: err });
}
