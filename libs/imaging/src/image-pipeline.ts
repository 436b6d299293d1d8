import { BallastError, isBallastError } from '@ballast/errors';
import { bulkhead, BulkheadPolicy } from 'cockatiel';
import { emptyImageError, tooManyBytesError } from './image-errors';
import { refusedDetail } from './image-format';
import { normaliseImage } from './normalise-image';
import { DEFAULT_IMAGE_LIMITS, ImageLimits, NormalisedImage } from './normalised-image';
import { ImageHeader, readImageHeader } from './read-image-header';
import { sniffImageType } from './sniff-image-type';

function assertLimit(name: keyof ImageLimits, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`ImagePipeline: ${name} must be a positive integer, got ${value}`);
  }
}

/** An image whose bytes and header passed every check; not a pixel decoded yet. */
export interface InspectedImage {
  bytes: Buffer;
  header: ImageHeader;
  /** Width × height as the header declares it. */
  pixels: number;
}

function asBuffer(input: Buffer | Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/** Only BallastErrors leave the pipeline. */
function translated(err: unknown): BallastError {
  return isBallastError(err) ? err : new BallastError('INTERNAL_ERROR', { detail: 'The image could not be processed.', cause: err });
}

/**
 * Untrusted bytes in, one predictable image out: validated by signature and
 * declared size before decoding (`inspect`), then decoded once and
 * normalised (`normalise`), at most `decodeConcurrency` decodes at a time in
 * the whole process. Nest-free; the app wraps it.
 */
export class ImagePipeline {
  readonly limits: ImageLimits;
  private readonly decodes: BulkheadPolicy;

  constructor(limits: Partial<ImageLimits> = {}) {
    this.limits = { ...DEFAULT_IMAGE_LIMITS, ...limits };
    for (const name of ['maxBytes', 'maxPixels', 'maxSide', 'decodeConcurrency'] as const) {
      assertLimit(name, this.limits[name]);
    }
    this.decodes = bulkhead(this.limits.decodeConcurrency, Number.MAX_SAFE_INTEGER);
  }

  /** Rejects only with a BallastError. */
  async process(input: Buffer | Uint8Array): Promise<NormalisedImage> {
    return this.normalise(await this.inspect(input));
  }

  /** Size, signature and header checks; cheap (no pixel is decoded). Rejects only with a BallastError. */
  async inspect(input: Buffer | Uint8Array): Promise<InspectedImage> {
    try {
      const bytes = asBuffer(input);
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
      return { bytes, header, pixels: header.width * header.height };
    } catch (err) {
      throw translated(err);
    }
  }

  /** Decodes and re-encodes, waiting for a decode slot first. Rejects only with a BallastError. */
  async normalise(image: InspectedImage): Promise<NormalisedImage> {
    try {
      return await this.decodes.execute(() => normaliseImage(image.bytes, image.header, this.limits));
    } catch (err) {
      throw translated(err);
    }
  }
}
