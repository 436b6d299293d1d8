import type { CallContext } from './call-context';

export interface OcrResult {
  text: string;
  /** 0..1 */
  confidence: number;
}

/** The OCR capability: image bytes (already validated and normalised) to text. */
export interface OcrPort {
  recognize(image: Buffer, context: CallContext): Promise<OcrResult>;
}
