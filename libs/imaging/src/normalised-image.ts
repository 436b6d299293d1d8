import { AcceptedImageFormat } from './image-format';

export interface ImageLimits {
  /** Largest accepted input, in bytes. */
  maxBytes: number;
  /** Largest accepted input, width x height as the header declares it. */
  maxPixels: number;
  /** Longest side of the normalised image; smaller images are never enlarged. */
  maxSide: number;
  /** Decodes running at once in this process; more wait their turn (a decode holds its raw pixels). */
  decodeConcurrency: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxBytes: 10 * 1024 * 1024, maxPixels: 40_000_000, maxSide: 2048, decodeConcurrency: 2 };

export type OutputFormat = 'jpeg' | 'png';

export interface NormalisedImage {
  data: Buffer;
  format: OutputFormat;
  mimeType: 'image/jpeg' | 'image/png';
  /** Of `data`: after orientation and resizing. */
  width: number;
  height: number;
  /** Every change made, in pipeline order, e.g. `orientation`, `colour_space:cmyk->srgb`, `re_encoded:jpeg`. */
  corrections: string[];
  /** The upload as received: stored (header) dimensions, before EXIF orientation. */
  original: { width: number; height: number; format: AcceptedImageFormat; bytes: number };
}

export function toDataUrl(image: Pick<NormalisedImage, 'data' | 'mimeType'>): string {
  return `data:${image.mimeType};base64,${image.data.toString('base64')}`;
}
