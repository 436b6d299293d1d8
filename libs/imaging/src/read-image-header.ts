import sharp, { Metadata } from 'sharp';
import { BallastError } from '@ballast/errors';
import { AcceptedImageFormat, FORMAT_LABEL } from './image-format';
import { tooManyPixelsError, unreadableImageError } from './image-errors';

/** What the header says, before a single pixel is decoded. */
export interface ImageHeader {
  format: AcceptedImageFormat;
  /** As stored, before EXIF orientation. */
  width: number;
  height: number;
  orientation: number;
  space: string;
  depth: string;
  hasAlpha: boolean;
  pages: number;
  hasMetadata: boolean;
}

const SAME_NAME = new Set<string>(['jpeg', 'png', 'webp', 'gif', 'tiff']);

function formatOf(meta: Metadata): AcceptedImageFormat | undefined {
  if (SAME_NAME.has(meta.format)) {
    return meta.format as AcceptedImageFormat;
  }
  return meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : undefined;
}

function carriesMetadata(meta: Metadata): boolean {
  return Boolean(meta.exif || meta.icc || meta.iptc || meta.xmp || meta.tifftagPhotoshop || meta.comments?.length);
}

/**
 * Reads the header only. The pixel check is ours (not sharp's limit) so the
 * refusal can say how big the image claims to be; a 30000x30000 PNG of a few
 * hundred bytes is refused here without a pixel being decoded.
 */
export async function readImageHeader(bytes: Buffer, format: AcceptedImageFormat, maxPixels: number): Promise<ImageHeader> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw unreadableImageError(format, bytes, err, 'header', maxPixels);
  }
  if (formatOf(meta) !== format || !meta.width || !meta.height) {
    throw new BallastError('IMAGE_UNREADABLE', {
      detail: `The file starts like a ${FORMAT_LABEL[format]} image but its header is damaged or incomplete.`,
      cause: new Error(`sniffed ${format}, sharp read ${meta.format} ${meta.width}x${meta.height}`),
    });
  }
  if (meta.width * meta.height > maxPixels) {
    throw tooManyPixelsError(maxPixels, meta.width, meta.height);
  }
  return {
    format,
    width: meta.width,
    height: meta.height,
    orientation: meta.orientation ?? 1,
    space: meta.space,
    depth: meta.depth,
    hasAlpha: meta.hasAlpha,
    pages: meta.pages ?? 1,
    hasMetadata: carriesMetadata(meta),
  };
}
