import { Span, SpanStatusCode } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestContextOf, routeTemplate } from '../request-lifecycle.middleware';

/** Paths whose spans would only be noise: probes and scrapes. */
export function isUntracedPath(url: string | undefined): boolean {
  return /^\/(health|metrics)(\/|\?|$)/.test(url ?? '');
}

/** Called by the HTTP instrumentation as the server span ends: the route template, request id and outcome. */
export function decorateServerSpan(span: Span, req: IncomingMessage, res: ServerResponse): void {
  const route = routeTemplate(req);
  span.updateName(`${req.method ?? 'GET'} ${route}`);
  span.setAttribute('http.route', route);
  const requestId = res.getHeader('x-request-id');
  if (typeof requestId === 'string') {
    span.setAttribute('ballast.request_id', requestId);
  }
  const outcome = requestContextOf(req)?.outcome;
  if (!outcome) {
    return;
  }
  const clientLeft = !res.writableFinished;
  const code = outcome.code ?? (clientLeft ? 'CLIENT_CLOSED_REQUEST' : undefined);
  span.setAttributes({
    'ballast.model': outcome.model,
    'ballast.attempts': outcome.attempts,
    'ballast.fallback': outcome.fallback,
    'ballast.error.code': code,
    'ballast.client_closed': clientLeft || undefined,
  });
  // A stream that began (200) and then failed is an error too; a client leaving is its own choice.
  if (outcome.code && res.statusCode < 400) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.code });
  }
}
