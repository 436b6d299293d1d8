/**
 * The client's end of one request: whether it has left before the answer was
 * finished, and the controllers to abort when it does (an attempt's, a
 * deadline's). Written here rather than an AbortController per request
 * because on Node 20 every AbortSignal is made with an ObjectSetPrototypeOf
 * (`createAbortSignal`, ~1.2% of a request's CPU at saturation) and every
 * follower of one is an EventTarget listener added and removed (~1.3%),
 * while almost no client leaves: an attempt follows the client through this
 * list, and a signal is made only for whoever asks for one (a stream).
 */
export class ClientPresence {
  private followers: AbortController[] = [];
  private leftWith?: { reason: unknown };
  private controller?: AbortController;

  get left(): boolean {
    return this.leftWith !== undefined;
  }

  /** Why it left; undefined while it has not. */
  get reason(): unknown {
    return this.leftWith?.reason;
  }

  /** Aborts `controller` with the client's reason when it leaves (at once if it has); returns the unfollow. */
  follow(controller: AbortController): () => void {
    if (this.leftWith) {
      controller.abort(this.leftWith.reason);
      return noop;
    }
    this.followers.push(controller);
    return () => {
      const at = this.followers.indexOf(controller);
      if (at >= 0) {
        this.followers.splice(at, 1);
      }
    };
  }

  /** Aborts when the client leaves. Made on first use; it lives as long as the request. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      this.follow(this.controller);
    }
    return this.controller.signal;
  }

  /** The client has gone: every follower aborts with `reason`. Only the first call counts. */
  leave(reason: unknown): void {
    if (this.leftWith) {
      return;
    }
    this.leftWith = { reason };
    const followers = this.followers;
    this.followers = [];
    for (const controller of followers) {
      controller.abort(reason);
    }
  }
}

function noop(): void {}
