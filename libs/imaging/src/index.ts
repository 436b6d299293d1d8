export { ImagePipeline } from './image-pipeline';
export type { InspectedImage } from './image-pipeline';
export { DEFAULT_IMAGE_LIMITS, toDataUrl } from './normalised-image';
export type { ImageLimits, NormalisedImage, OutputFormat } from './normalised-image';
export { decodeDataUrlOrBase64 } from './decode-data-url';
export { ACCEPTED_IMAGE_FORMATS } from './image-format';
export type { AcceptedImageFormat, RefusedKind } from './image-format';
export { sniffImageType } from './sniff-image-type';
export type { SniffResult } from './sniff-image-type';
