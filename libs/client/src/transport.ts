import { BallastProblem, isBallastProblem } from './ballast-problem';
import type { CallScope } from './call-scope';
import { nextRetryDelay, RetryOptions } from './retry.policy';

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportSettings {
  baseUrl: string;
  apiKey?: string;
  headers?: Record<string, string>;
  fetch?: FetchFunction;
}

export interface RetryEvent {
  attempt: number;
  delayMs: number;
  code: string;
}

/** fetch against Ballast: auth and base URL, every failure turned into a BallastProblem, the scope's signal on every request. */
export class Transport {
  private readonly baseUrl: string;

  constructor(private readonly settings: TransportSettings) {
    this.baseUrl = settings.baseUrl.replace(/\/+$/, '');
  }

  /** Resolves with a 2xx response; rejects with a BallastProblem, or with the scope's reason once it ended. */
  async send(path: string, init: RequestInit, scope: CallScope): Promise<Response> {
    const headers = new Headers(this.settings.headers);
    if (this.settings.apiKey) {
      headers.set('authorization', `Bearer ${this.settings.apiKey}`);
    }
    new Headers(init.headers).forEach((value, name) => headers.set(name, value));
    // Read at call time: tests and polyfills may install fetch after the client was made.
    const fetchFn = this.settings.fetch ?? ((input, options) => globalThis.fetch(input, options));
    let res: Response;
    try {
      res = await fetchFn(`${this.baseUrl}${path}`, { ...init, headers, signal: scope.signal });
    } catch (error) {
      throw scope.signal.aborted ? scope.reason : networkProblem(error);
    }
    if (!res.ok) {
      throw await BallastProblem.fromResponse(res);
    }
    return res;
  }
}

export function networkProblem(error: unknown): BallastProblem {
  return BallastProblem.client('NETWORK_ERROR', 'The connection to Ballast failed or broke.', { cause: error });
}

/**
 * Runs `attempt` until it succeeds, a problem is not retryable, the attempts
 * are used up or the deadline would pass while waiting. Before each wait it
 * yields a RetryEvent (stream() passes them on); the wait is cut short by the
 * scope's signal. Returns the value and the attempt number that produced it.
 */
export async function* withRetries<T>(
  scope: CallScope,
  retry: Required<RetryOptions>,
  random: () => number,
  attempt: (n: number) => Promise<T>,
  firstAttempt = 1,
): AsyncGenerator<RetryEvent, { value: T; attempts: number }> {
  for (let n = firstAttempt; ; n++) {
    try {
      return { value: await attempt(n), attempts: n };
    } catch (error) {
      if (scope.signal.aborted || !isBallastProblem(error)) {
        throw scope.signal.aborted ? scope.reason : error;
      }
      const delayMs = nextRetryDelay(error, n, scope.remainingMs(), retry, random);
      if (delayMs === undefined) {
        throw error;
      }
      yield { attempt: n + 1, delayMs, code: error.code };
      await scope.sleep(delayMs);
    }
  }
}

/** Runs a generator to its end for its return value, handing each yielded event to `onEvent`. */
export async function finish<E, R>(generator: AsyncGenerator<E, R>, onEvent: (event: E) => void = () => undefined): Promise<R> {
  for (;;) {
    const step = await generator.next();
    if (step.done) {
      return step.value;
    }
    onEvent(step.value);
  }
}
