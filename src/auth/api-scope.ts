/** The request the API-key guard and the controllers see (a FastifyRequest): only its identity is used. */
type Request = object;

const CLIENT = Symbol('ballast.apiClient');

/** Records which API key authenticated this request, as a non-secret id (for per-key rate limits). */
export function setApiClient(req: Request, clientId: string): void {
  (req as unknown as Record<symbol, string>)[CLIENT] = clientId;
}

export function apiClientOf(req: Request): string | undefined {
  return (req as unknown as Record<symbol, string | undefined>)[CLIENT];
}
