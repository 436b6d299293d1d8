import { ModelAttempt } from '@ballast/observability';
import type { CallContext } from '../ports/call-context';
import type { OcrPort, OcrResult } from '../ports/ocr.port';
import { attemptStart, ProviderFacts } from './observed-chat';

/** The OCR port reported like a chat attempt (operation `ocr`); the image's bytes never reach the span. */
export class ObservedOcr implements OcrPort {
  constructor(
    private readonly inner: OcrPort,
    private readonly provider: ProviderFacts,
  ) {}

  async recognize(image: Buffer, context: CallContext): Promise<OcrResult> {
    const attempt = new ModelAttempt(attemptStart(this.provider, 'ocr', 'ocr', context, { 'ballast.image.bytes': image.length }));
    try {
      const result = await attempt.within(() => this.inner.recognize(image, context));
      attempt.succeeded({ 'ballast.ocr.confidence': result.confidence });
      return result;
    } catch (error) {
      attempt.failed(error);
      throw error;
    }
  }
}
