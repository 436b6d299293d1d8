import { BallastError, isBallastError } from '@ballast/errors';
import { emptyImageError, tooManyBytesError } from './image-errors';
import { refusedDetail } from './image-format';
import { normaliseImage } from './normalise-image';
import { DEFAULT_IMAGE_LIMITS, ImageLimits, NormalisedImage } from './normalised-image';
import { readImageHeader } from './read-image-header';
import { sniffImageType } from './sniff-image-type';

function assertLimit(name: keyof ImageLimits, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`ImagePipeline: ${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Untrusted bytes in, one predictable image out: validated by signature and
 * declared size before decoding, then decoded once and normalised.
 * Nest-free; the app wraps it.
 */
export class ImagePipeline {
  readonly limits: ImageLimits;

  constructor(limits: Partial<ImageLimits> = {}) {
    this.limits = { ...DEFAULT_IMAGE_LIMITS, ...limits };
    for (const name of ['maxBytes', 'maxPixels', 'maxSide'] as const) {
      assertLimit(name, this.limits[name]);
    }
  }

  /** Rejects only with a BallastError. */
  async process(input: Buffer | Uint8Array): Promise<NormalisedImage> {
    try {
      return await this.run(Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    } catch (err) {
      if (isBallastError(err)) {
        throw err;
      }
      throw new BallastError('INTERNAL_ERROR', { detail: 'The image could not be processed.', cause: err });
    }
  }

  private async run(bytes: Buffer): Promise<NormalisedImage> {
    if (bytes.length === 0) {
      throw emptyImageError();
    }
    if (bytes.length > this.limits.maxBytes) {
      throw tooManyBytesError(bytes.length, this.limits.maxBytes);
    }
    const sniffed = sniffImageType(bytes);
    if (!sniffed.accepted) {
      throw new BallastError('UNSUPPORTED_MEDIA_TYPE', { detail: refusedDetail(sniffed.kind) });
    }
    const header = await readImageHeader(bytes, sniffed.format, this.limits.maxPixels);
    return normaliseImage(bytes, header, this.limits);
  }
}
