import { BallastError } from '@ballast/errors';
import type { ClientSide } from './client-side';

/**
 * One request's time budget, shared by every retry and fallback: it ends at
 * its time (MODEL_TIMEOUT) or when the client leaves (with the client's
 * reason).
 *
 * An attempt does not listen to it: `withAttemptTimeout` sets one timer for
 * the earlier of the attempt's limit and this deadline, and passes the
 * deadline (`pass()`) when it is the deadline's turn. Only a wait outside an
 * attempt (a bulkhead queue, a retry's backoff) asks for `signal`, and only
 * then are its controller, the client link and its own timer made: most
 * requests never wait, and those three were ~3.5% of what a request
 * allocated, and a timer of every request.
 */
export class Deadline {
  readonly at: number;
  private passedReason?: BallastError;
  private controller?: AbortController;
  private unlink?: () => void;
  private timer?: NodeJS.Timeout;

  /** `Infinity` for no deadline: only the client (or a shutdown) ends it. */
  constructor(
    private readonly timeoutMs: number,
    readonly client?: ClientSide,
  ) {
    this.at = Date.now() + timeoutMs;
  }

  remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  /** The client has left, or the deadline has passed (by a timer, or by the clock when no timer has fired yet). */
  get ended(): boolean {
    if (!this.passedReason && Date.now() >= this.at) {
      this.pass();
    }
    return this.client?.left === true || this.passedReason !== undefined;
  }

  /** Why it ended: the client's reason, else MODEL_TIMEOUT; undefined while it has not. */
  get reason(): unknown {
    if (!this.ended) {
      return undefined;
    }
    return this.client?.left ? this.client.reason : this.passedReason;
  }

  throwIfEnded(): void {
    if (this.ended) {
      throw this.reason;
    }
  }

  /** The deadline's time has come (an attempt's timer saw it first): it ends now, and says why. */
  pass(): BallastError {
    if (!this.passedReason) {
      this.passedReason = new BallastError('MODEL_TIMEOUT', { cause: new Error(`request deadline of ${this.timeoutMs} ms passed`) });
      clearTimeout(this.timer);
      this.controller?.abort(this.reason);
    }
    return this.passedReason;
  }

  /** Aborts when the deadline ends, with its reason. Made on first use, for a wait outside an attempt. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.ended) {
        this.controller.abort(this.reason);
      } else {
        this.unlink = this.client?.follow(this.controller);
        if (Number.isFinite(this.at)) {
          this.timer = setTimeout(() => this.pass(), this.remainingMs());
        }
      }
    }
    return this.controller.signal;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.unlink?.();
  }
}
