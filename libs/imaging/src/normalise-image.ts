import sharp from 'sharp';
import { unreadableImageError } from './image-errors';
import { headerCorrections } from './image-corrections';
import { ImageLimits, NormalisedImage, OutputFormat } from './normalised-image';
import { ImageHeader } from './read-image-header';

const WHITE = { r: 255, g: 255, b: 255 };
const JPEG_QUALITY = 90;

/**
 * Lossless sources (PNG, GIF, TIFF: screenshots, scans, diagrams) stay
 * lossless, so text keeps clean edges for OCR; photographic sources (JPEG,
 * WebP, AVIF) become JPEG. Alpha never decides: it is flattened either way.
 */
function outputFormatFor(header: ImageHeader): OutputFormat {
  return header.format === 'png' || header.format === 'gif' || header.format === 'tiff' ? 'png' : 'jpeg';
}

interface RawImage {
  data: Buffer;
  info: sharp.OutputInfo;
}

/** One decode: orient, first frame, fit inside maxSide, 8-bit sRGB (alpha kept for now). */
async function decode(bytes: Buffer, header: ImageHeader, limits: ImageLimits): Promise<RawImage> {
  try {
    return await sharp(bytes, { failOn: 'error', limitInputPixels: limits.maxPixels, page: 0, pages: 1 })
      .autoOrient()
      .resize({ width: limits.maxSide, height: limits.maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw unreadableImageError(header.format, bytes, err, 'pixels', limits.maxPixels);
  }
}

function fromRaw(raw: RawImage): sharp.Sharp {
  const { width, height, channels } = raw.info;
  return sharp(raw.data, { raw: { width, height, channels } });
}

/**
 * Decodes and re-encodes on sharp's thread pool. The output is built from raw
 * pixels, so no EXIF (GPS included), ICC, XMP or text chunk survives.
 */
export async function normaliseImage(bytes: Buffer, header: ImageHeader, limits: ImageLimits): Promise<NormalisedImage> {
  const corrections = headerCorrections(header);
  const raw = await decode(bytes, header, limits);
  let pixels = fromRaw(raw);
  if (raw.info.channels === 4) {
    // GIFs always decode with alpha; only report a flatten that changed a pixel.
    const { isOpaque } = await fromRaw(raw).stats();
    if (!isOpaque) {
      corrections.push('alpha_flattened');
    }
    pixels = pixels.flatten({ background: WHITE });
  }
  const oriented = header.orientation >= 5 ? { width: header.height, height: header.width } : header;
  if (raw.info.width !== oriented.width || raw.info.height !== oriented.height) {
    corrections.push('resized');
  }
  if (header.hasMetadata) {
    corrections.push('metadata_stripped');
  }
  const format = outputFormatFor(header);
  corrections.push(`re_encoded:${format}`);
  const encoded = format === 'png' ? pixels.png() : pixels.jpeg({ quality: JPEG_QUALITY });
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
  return {
    data,
    format,
    mimeType: format === 'png' ? 'image/png' : 'image/jpeg',
    width: info.width,
    height: info.height,
    corrections,
    original: { width: header.width, height: header.height, format: header.format, bytes: bytes.length },
  };
}
