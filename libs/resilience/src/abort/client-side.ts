import { linkAbort } from './link-abort';

/**
 * The client's end of a request, as a deadline and an attempt follow it:
 * whether it has left, why, and a way to abort a controller when it does
 * without an AbortSignal of its own (the request context's presence is one;
 * `clientSideOf` makes one of a signal).
 */
export interface ClientSide {
  readonly left: boolean;
  readonly reason: unknown;
  /** Aborts `controller` with the client's reason when it leaves (at once if it has); returns the unfollow. */
  follow(controller: AbortController): () => void;
}

export function clientSideOf(signal: AbortSignal): ClientSide {
  return {
    get left() {
      return signal.aborted;
    },
    get reason() {
      return signal.reason;
    },
    follow: (controller) => linkAbort(signal, controller),
  };
}
