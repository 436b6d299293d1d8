import { AsyncLocalStorage } from 'node:async_hooks';
import type { ClientPresence } from './client-presence';

/** What one request carries from the edge to the upstream and into every log line. */
export interface RequestContext {
  readonly requestId: string;
  readonly traceparent?: string;
  /** The trace this request's spans belong to, when tracing is on: in every log line, to find the trace. */
  readonly traceId?: string;
  readonly startedAt: number;
  /** Left when the client goes away before the response is finished. */
  readonly client: ClientPresence;
  /** Filled in while serving, for the summary log line. */
  outcome: RequestOutcome;
}

export interface RequestOutcome {
  model?: string;
  attempts?: number;
  fallback?: boolean;
  code?: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  /** The Server-Timing figures (ms) as sent with the answer's headers. */
  timing?: Record<string, number>;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const requestContext = {
  run<A extends unknown[], T>(context: RequestContext, fn: (...args: A) => T, ...args: A): T {
    return storage.run(context, fn, ...args);
  },
  current(): RequestContext | undefined {
    return storage.getStore();
  },
  requestId(): string | undefined {
    return storage.getStore()?.requestId;
  },
  /** Runs `fn` later (an event listener, a timer) inside the request it was made in. */
  bind<F extends (...args: never[]) => unknown>(fn: F): F {
    return AsyncLocalStorage.bind(fn);
  },
  /** Records facts about the request for its summary line; a no-op outside a request. */
  note(facts: RequestOutcome): void {
    const context = storage.getStore();
    if (context) {
      Object.assign(context.outcome, facts);
    }
  },
};
