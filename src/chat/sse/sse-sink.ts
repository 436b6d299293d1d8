import type { BallastError } from '@ballast/errors';
import type { StreamPartial } from './sse-frames';

/** Where pipeStream sends a stream: a live response, or a replay buffer that readers follow. */
export interface SseSink {
  readonly writable: boolean;
  /** Returns a promise only when the reader is behind: wait for it before the next event. */
  event(data: unknown): Promise<void> | undefined;
  comment(text: string): Promise<void> | undefined;
  done(): void;
  fail(error: BallastError, partial: StreamPartial): void;
  end(): void;
}
