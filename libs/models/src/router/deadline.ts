import { BallastError } from '@ballast/errors';
import { linkAbort } from '@ballast/resilience';

/**
 * One request's time budget, shared by every retry and fallback. Its signal
 * aborts at the deadline (MODEL_TIMEOUT) or when the client leaves (with
 * the client's reason).
 */
export class Deadline {
  readonly at: number;
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly unlink?: () => void;
  private readonly timer: NodeJS.Timeout;

  constructor(timeoutMs: number, client?: AbortSignal) {
    this.at = Date.now() + timeoutMs;
    this.unlink = client && linkAbort(client, this.controller);
    this.signal = this.controller.signal;
    this.timer = setTimeout(
      () => this.controller.abort(new BallastError('MODEL_TIMEOUT', { cause: new Error(`request deadline of ${timeoutMs} ms passed`) })),
      timeoutMs,
    );
  }

  remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.unlink?.();
  }
}
