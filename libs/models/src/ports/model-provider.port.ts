import type { ChatModelPort } from './chat-model.port';
import type { OcrPort } from './ocr.port';

/** One configured upstream endpoint (or the embedded local runtime) and what it can do. */
export interface ModelProvider {
  readonly id: string;
  readonly type: string;
  readonly chat?: ChatModelPort;
  readonly ocr?: OcrPort;
  /** A cheap liveness probe (never a paid completion); rejects with a BallastError when down. */
  probe?(signal: AbortSignal): Promise<void>;
  /** Resolves when the provider is ready to serve (e.g. OCR workers warmed). */
  start?(): Promise<void>;
  close?(): Promise<void>;
}
