import type { BallastError } from '@ballast/errors';
import type { StreamPartial } from './sse-frames';

/** Where pipeStream sends a stream: a live response, or a replay buffer that readers follow. */
export interface SseSink {
  readonly writable: boolean;
  event(data: unknown): Promise<void>;
  comment(text: string): Promise<void>;
  done(): void;
  fail(error: BallastError, partial: StreamPartial): void;
  end(): void;
}
