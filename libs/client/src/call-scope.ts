import { BallastProblem } from './ballast-problem';

/**
 * One call's lifetime: the caller's AbortSignal and the overall deadline,
 * merged into one signal that every fetch, body read and backoff of the call
 * listens to. Written here because AbortSignal.any() is missing from the
 * browsers and Node versions the package supports.
 */
export class CallScope {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly onAbort = (): void => this.controller.abort(this.caller?.reason);
  readonly deadlineAt: number;

  constructor(
    private readonly caller: AbortSignal | undefined,
    deadlineMs: number,
  ) {
    this.deadlineAt = Date.now() + deadlineMs;
    this.timer = setTimeout(
      () => this.controller.abort(BallastProblem.client('DEADLINE_EXCEEDED', `The call did not finish within ${deadlineMs} ms.`)),
      deadlineMs,
    );
    if (caller?.aborted) {
      this.onAbort();
    } else {
      caller?.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  remainingMs(): number {
    return this.deadlineAt - Date.now();
  }

  /** The caller aborted (as opposed to the deadline passing). */
  get cancelled(): boolean {
    return this.caller?.aborted === true;
  }

  /** What a call that stopped because of this scope rejects with: the caller's reason, or DEADLINE_EXCEEDED. */
  get reason(): unknown {
    return this.controller.signal.reason;
  }

  /** Waits, unless the scope ends first (then rejects with its reason at once). */
  sleep(ms: number): Promise<void> {
    const signal = this.controller.signal;
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        return reject(signal.reason);
      }
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (signal.aborted) {
          reject(signal.reason);
        } else {
          resolve();
        }
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Ends the scope: clears the deadline and aborts whatever is still open (a stream the caller stopped reading). */
  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onAbort);
    if (!this.controller.signal.aborted) {
      this.controller.abort(BallastProblem.client('NETWORK_ERROR', 'The call was closed.'));
    }
  }
}
