import { BallastError } from '@ballast/errors';
import { sseFrames, StreamPartial } from '../sse/sse-frames';
import type { SseSink } from '../sse/sse-sink';
import type { ReplayStore } from './replay-store.port';

/**
 * The producer side of a resumable stream: every frame goes to the replay
 * buffer, where the readers (the first one and any resume) follow it. It
 * does not wait for readers: the generation goes at the upstream's pace,
 * bounded by the buffer's caps.
 */
export class ReplaySink implements SseSink {
  private seq = 0;
  private ended = false;
  private readonly partial: StreamPartial = { chunks: 0, characters: 0 };

  constructor(
    private readonly store: ReplayStore,
    private readonly requestId: string,
    private readonly generation: AbortSignal,
  ) {}

  get writable(): boolean {
    return !this.ended && !this.generation.aborted;
  }

  event(data: unknown): undefined {
    this.partial.chunks++;
    for (const choice of (data as { choices?: Array<{ delta?: { content?: string | null } }> }).choices ?? []) {
      this.partial.characters += choice.delta?.content?.length ?? 0;
    }
    this.push(sseFrames.event(this.requestId, this.seq, data), false);
    return undefined;
  }

  comment(text: string): undefined {
    this.push(sseFrames.comment(text), false);
    return undefined;
  }

  done(): void {
    this.push(sseFrames.done(), true);
  }

  fail(error: BallastError, partial: StreamPartial): void {
    this.push(sseFrames.error(this.requestId, this.seq, error, partial), true);
  }

  /** Ends the stream from outside (a shutdown) with an error event carrying the progress so far. */
  interrupt(error: BallastError): void {
    if (!this.ended) {
      this.fail(error, { ...this.partial });
    }
  }

  /** A generation stopped for want of readers still closes its buffer with an error event, so a late resume ends. */
  end(): void {
    if (!this.ended) {
      const stopped = new BallastError('CLIENT_CLOSED_REQUEST', {
        detail: 'Nobody resumed this stream within the grace period, so its generation was stopped.',
      });
      this.fail(stopped, { ...this.partial });
    }
  }

  private push(text: string, terminal: boolean): void {
    if (this.ended) {
      return;
    }
    this.store.append(this.requestId, { seq: this.seq++, text, terminal });
    this.ended = terminal;
  }
}
