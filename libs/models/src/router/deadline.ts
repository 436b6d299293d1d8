import { BallastError } from '@ballast/errors';

/**
 * One request's time budget, shared by every retry and fallback. Its signal
 * aborts at the deadline (MODEL_TIMEOUT) or when the client leaves (with
 * the client's reason).
 */
export class Deadline {
  readonly at: number;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onClientAbort?: () => void;

  constructor(
    timeoutMs: number,
    private readonly client?: AbortSignal,
  ) {
    this.at = Date.now() + timeoutMs;
    this.timer = setTimeout(
      () => this.controller.abort(new BallastError('MODEL_TIMEOUT', { cause: new Error(`request deadline of ${timeoutMs} ms passed`) })),
      timeoutMs,
    );
    if (client) {
      if (client.aborted) {
        this.controller.abort(client.reason);
      } else {
        this.onClientAbort = () => this.controller.abort(client.reason);
        client.addEventListener('abort', this.onClientAbort, { once: true });
      }
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  dispose(): void {
    clearTimeout(this.timer);
    if (this.onClientAbort) {
      this.client?.removeEventListener('abort', this.onClientAbort);
    }
  }
}
