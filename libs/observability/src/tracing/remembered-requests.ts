import type { RequestContext } from '../request-context';
import { tracingEnabled } from './tracing-state';

const contexts = new WeakMap<object, RequestContext>();

/** Lets the server span read what the request did (model, attempts, code) when it ends; a no-op with tracing off. */
export function rememberRequest(req: object, context: RequestContext): void {
  if (tracingEnabled()) {
    contexts.set(req, context);
  }
}

export function rememberedRequest(req: object): RequestContext | undefined {
  return contexts.get(req);
}
