/** The models file the provider e2e suites share: one upstream, small limits, fast retries, a breaker that stays closed. */
export const EDGE_LIMITS = { maxAnswerBytes: 1024 * 1024, maxEventChars: 64 * 1024, maxBadEvents: 3, maxRetryAfterSeconds: 30 };

export function edgeModels(upstreamUrl: string) {
  const resilience = { retries: 2, backoffBaseMs: 5, backoffMaxMs: 20, breaker: { minCalls: 1000 } };
  return {
    providers: {
      solo: { type: 'openai', baseUrl: upstreamUrl, limits: EDGE_LIMITS, resilience },
      once: { type: 'openai', baseUrl: upstreamUrl, limits: EDGE_LIMITS, resilience: { ...resilience, retries: 0 } },
    },
    models: {
      chat: { route: [{ provider: 'solo', model: 'solo-model' }] },
      'no-retry': { route: [{ provider: 'once', model: 'once-model' }] },
    },
  };
}
