import { BallastError } from '@ballast/errors';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BallastMetrics } from './ballast-metrics';
import { ClientPresence } from './client-presence';
import { RequestContext, requestContext } from './request-context';
import { releaseIdleSocket } from './release-idle-socket';
import { acceptRequestId, acceptTraceparent } from './request-id';
import { activeTraceId } from './tracing/active-trace-id';

/** nginx's convention for "the client closed the connection before the answer". */
export const CLIENT_CLOSED_STATUS = 499;
export const UNMATCHED_ROUTE = '(unmatched)';

/** What the edge keeps on the raw request: the route Fastify matched, and the request's context. */
const ROUTE = Symbol('ballast.routeTemplate');
const CONTEXT = Symbol('ballast.requestContext');

type Marked = IncomingMessage & { [ROUTE]?: string; [CONTEXT]?: RequestContext };

/**
 * Notes the route template Fastify matched (`request.routeOptions.url`, known before the first onRequest hook),
 * on the raw request, for the summary line, the metrics, the problem filter and the server span.
 */
export function noteRouteTemplate(req: IncomingMessage, url: string | undefined): void {
  (req as Marked)[ROUTE] = url;
}

/** The route template the router matched, never the raw URL: label values must stay a closed set. */
export function routeTemplate(req: IncomingMessage): string {
  const path = (req as Marked)[ROUTE];
  // Nest answers unknown paths from its not-found handler (Fastify's `/*`); that is no template of ours.
  return typeof path === 'string' && !path.includes('*') ? path : UNMATCHED_ROUTE;
}

/**
 * The request's context, looked up from the raw request: for code that runs outside it (the server span when the
 * response closes; the problem filter for an error Fastify raised outside the request's async context).
 */
export function requestContextOf(req: IncomingMessage): RequestContext | undefined {
  return (req as Marked)[CONTEXT];
}

/**
 * The first thing every request meets: gives it an id and its client's presence,
 * holds both in AsyncLocalStorage, and when the response closes writes the
 * one summary line and the HTTP metrics.
 */
export function requestLifecycle(logger: Logger, metrics: BallastMetrics) {
  // The summary line holds only fields Ballast fills in itself (never a header, body or key): it skips
  // redaction, which was about half of that line's cost (~8 of ~15 µs) on every request.
  const summary = logger.child({}, { redact: { paths: [] } });
  const finished = (req: IncomingMessage, res: ServerResponse, context: RequestContext): void => {
    const clientLeft = !res.writableFinished;
    if (clientLeft) {
      context.client.leave(new BallastError('CLIENT_CLOSED_REQUEST'));
    }
    const status = clientLeft ? CLIENT_CLOSED_STATUS : res.statusCode;
    const route = routeTemplate(req);
    const seconds = (performance.now() - context.startedAt) / 1000;
    metrics.httpRequests.inc({ method: req.method ?? 'GET', route, status: String(status) });
    metrics.httpDuration.observe({ method: req.method ?? 'GET', route }, seconds);
    const { model, attempts, fallback, code, usage, timing } = context.outcome;
    summary.info(
      {
        method: req.method,
        route,
        status,
        duration_ms: Math.round(seconds * 1e4) / 10,
        model,
        attempts,
        fallback,
        code: code ?? (clientLeft ? 'CLIENT_CLOSED_REQUEST' : undefined),
        // The two counts, not the upstream's object: this line is never redacted.
        usage: usage && { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens },
        server_timing: timing,
      },
      'request completed',
    );
  };
  return (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    const context: RequestContext = {
      requestId: acceptRequestId(req.headers['x-request-id']),
      traceparent: acceptTraceparent(req.headers.traceparent),
      traceId: activeTraceId(),
      startedAt: performance.now(),
      client: new ClientPresence(),
      outcome: {},
    };
    res.setHeader('X-Request-Id', context.requestId);
    (req as IncomingMessage & { log?: Logger; id?: string }).log = logger;
    (req as IncomingMessage & { id?: string }).id = context.requestId;
    (req as Marked)[CONTEXT] = context;

    // Re-entering the context by hand: AsyncLocalStorage.bind builds an AsyncResource
    // (and a deprecation wrapper) per request, a measurable share of the hot path. `on`, not `once`
    // ('close' comes once), and one closure: an open stream holds this listener for its whole life.
    res.on('close', () => {
      requestContext.run(context, finished, req, res, context);
      releaseIdleSocket(req);
    });
    requestContext.run(context, next as () => void);
  };
}
