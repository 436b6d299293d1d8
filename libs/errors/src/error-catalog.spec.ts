import { ERROR_CATALOG, ERROR_CODES, codeFromSlug, problemSlug } from './error-catalog';

/** Contract section 3: the codes and statuses every client may rely on. */
const CONTRACT_STATUSES: Record<string, number> = {
  VALIDATION_FAILED: 400,
  CONTEXT_LENGTH_EXCEEDED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IMAGE_UNREADABLE: 422,
  IMAGE_TOO_LARGE: 422,
  CONTENT_REJECTED: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UPSTREAM_BAD_RESPONSE: 502,
  UPSTREAM_UNAVAILABLE: 503,
  CIRCUIT_OPEN: 503,
  MODEL_OVERLOADED: 503,
  ALL_ROUTES_FAILED: 503,
  SHUTTING_DOWN: 503,
  MODEL_TIMEOUT: 504,
};

describe('the error catalog', () => {
  it.each(Object.entries(CONTRACT_STATUSES))('has %s with status %i', (code, status) => {
    expect(ERROR_CATALOG[code as keyof typeof ERROR_CATALOG]?.status).toBe(status);
  });

  it.each(ERROR_CODES)('%s has a title, a client detail, retryability and an OpenAI type', (code) => {
    const definition = ERROR_CATALOG[code];
    expect(definition.title.length).toBeGreaterThan(3);
    expect(definition.detail.length).toBeGreaterThan(10);
    expect(typeof definition.retryable).toBe('boolean');
    expect(definition.openaiType).toMatch(/_error$/);
  });

  it('marks client errors not retryable, except rate limits and a vanished client', () => {
    for (const code of ERROR_CODES) {
      const { status, retryable } = ERROR_CATALOG[code];
      if (status >= 400 && status < 500 && code !== 'RATE_LIMITED' && code !== 'CLIENT_CLOSED_REQUEST') {
        expect({ code, retryable }).toEqual({ code, retryable: false });
      }
    }
  });

  it('marks every 503 and 504 retryable', () => {
    for (const code of ERROR_CODES.filter((c) => [503, 504].includes(ERROR_CATALOG[c].status))) {
      expect({ code, retryable: ERROR_CATALOG[code].retryable }).toEqual({ code, retryable: true });
    }
  });

  it('maps codes to problem slugs and back', () => {
    expect(problemSlug('MODEL_TIMEOUT')).toBe('model-timeout');
    for (const code of ERROR_CODES) {
      expect(codeFromSlug(problemSlug(code))).toBe(code);
    }
    expect(codeFromSlug('constructor')).toBeUndefined();
    expect(codeFromSlug('to-string')).toBeUndefined();
  });
});
