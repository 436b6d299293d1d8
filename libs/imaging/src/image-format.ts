/** The formats an upload may be in; everything else is refused with 415. */
export const ACCEPTED_IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const;
export type AcceptedImageFormat = (typeof ACCEPTED_IMAGE_FORMATS)[number];

/** What a refused file looks like, when its signature tells us. */
export type RefusedKind =
  'svg' | 'pdf' | 'heic' | 'bmp' | 'ico' | 'psd' | 'jxl' | 'jp2' | 'html' | 'text' | 'zip' | 'gzip' | 'video' | 'unknown';

export const FORMAT_LABEL: Record<AcceptedImageFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  tiff: 'TIFF',
  avif: 'AVIF',
};

const ACCEPTED_LIST = 'send JPEG, PNG, WebP, GIF, TIFF or AVIF';

const REFUSED_REASON: Record<RefusedKind, string> = {
  svg: 'SVG images are not accepted',
  pdf: 'PDF documents are not accepted',
  heic: 'HEIC/HEIF images are not accepted',
  bmp: 'BMP images are not accepted',
  ico: 'ICO icons are not accepted',
  psd: 'Photoshop (PSD) files are not accepted',
  jxl: 'JPEG XL images are not accepted',
  jp2: 'JPEG 2000 images are not accepted',
  html: 'The file is an HTML document, not an image',
  text: 'The file is text, not an image',
  zip: 'The file is a ZIP archive, not an image',
  gzip: 'The file is gzip-compressed data, not an image',
  video: 'Video files are not accepted',
  unknown: 'The file is not a recognised image',
};

export function refusedDetail(kind: RefusedKind): string {
  return `${REFUSED_REASON[kind]}; ${ACCEPTED_LIST}.`;
}
