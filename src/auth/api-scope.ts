import type { Request } from 'express';

/** Routes under this prefix are the product API: authenticated, rate limited, drained on shutdown. */
export const API_PREFIX = '/v1';

function underApiPrefix(path: string): boolean {
  // Express matches routes case-insensitively, so the check must too.
  const lower = path.toLowerCase();
  return lower === API_PREFIX || lower.startsWith(`${API_PREFIX}/`);
}

/**
 * Whether a matched request is an API call. Decided on the route template
 * Express matched (what the handler really is), falling back to the path.
 */
export function isApiRequest(req: Request): boolean {
  const template = (req.route as { path?: unknown } | undefined)?.path;
  return underApiPrefix(typeof template === 'string' ? template : req.path);
}

const CLIENT = Symbol('ballast.apiClient');

/** Records which API key authenticated this request, as a non-secret id (for per-key rate limits). */
export function setApiClient(req: Request, clientId: string): void {
  (req as unknown as Record<symbol, string>)[CLIENT] = clientId;
}

export function apiClientOf(req: Request): string | undefined {
  return (req as unknown as Record<symbol, string | undefined>)[CLIENT];
}
