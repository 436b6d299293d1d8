import { BallastProblem, parseRetryAfter } from './ballast-problem';

const problemResponse = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });

describe('BallastProblem', () => {
  it('reads every field of a problem+json body', async () => {
    const sut = await BallastProblem.fromResponse(
      problemResponse(400, {
        type: '/problems/validation-failed',
        title: 'Request is not valid',
        status: 400,
        detail: 'See errors[].',
        instance: '/v1/chat/completions',
        code: 'VALIDATION_FAILED',
        request_id: 'r-1',
        retryable: false,
        errors: [{ field: 'messages', message: 'must not be empty' }],
      }),
    );

    expect(sut).toMatchObject({
      name: 'BallastProblem',
      code: 'VALIDATION_FAILED',
      status: 400,
      title: 'Request is not valid',
      detail: 'See errors[].',
      type: '/problems/validation-failed',
      instance: '/v1/chat/completions',
      requestId: 'r-1',
      retryable: false,
      errors: [{ field: 'messages', message: 'must not be empty' }],
    });
    expect(sut.message).toBe('See errors[].');
  });

  it('takes retry_after from the body, else the Retry-After header', async () => {
    const body = { code: 'MODEL_OVERLOADED', title: 'Busy', detail: 'd', retryable: true };
    expect((await BallastProblem.fromResponse(problemResponse(503, { ...body, retry_after: 3 }, { 'retry-after': '9' }))).retryAfter).toBe(
      3,
    );
    expect((await BallastProblem.fromResponse(problemResponse(503, body, { 'retry-after': '9' }))).retryAfter).toBe(9);
  });

  it('turns an answer that is not a problem into BAD_RESPONSE, retryable by its status', async () => {
    const limited = await BallastProblem.fromResponse(
      problemResponse(429, { error: { message: 'slow down' } }, { 'retry-after': '1', 'x-request-id': 'r-2' }),
    );
    const html = await BallastProblem.fromResponse(problemResponse(404, '<html>nope</html>'));

    expect(limited).toMatchObject({
      code: 'BAD_RESPONSE',
      status: 429,
      retryable: true,
      retryAfter: 1,
      requestId: 'r-2',
      detail: 'slow down',
    });
    expect(html).toMatchObject({ code: 'BAD_RESPONSE', status: 404, retryable: false });
  });

  it('reads an SSE error event', () => {
    const sut = BallastProblem.fromStreamError(
      JSON.stringify({
        error: {
          message: 'The model did not answer in time.',
          type: 'timeout_error',
          code: 'MODEL_TIMEOUT',
          retryable: true,
          request_id: 'r-3',
        },
        partial: { chunks: 3, characters: 30 },
      }),
      'fallback-id',
    );

    expect(sut).toMatchObject({
      code: 'MODEL_TIMEOUT',
      title: 'Model timeout',
      retryable: true,
      requestId: 'r-3',
      type: '/problems/model-timeout',
      status: undefined,
    });
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2);
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:05 GMT', now)).toBe(5);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
