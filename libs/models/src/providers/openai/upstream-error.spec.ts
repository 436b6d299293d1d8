import { BallastError, toProblem } from '@ballast/errors';
import { LOG_EXCERPT_CHARS } from './log-excerpt';
import { upstreamError as sut, UpstreamFailure } from './upstream-error';

const scope = { provider: 'primary', maxRetryAfterSeconds: 60 };
const status = (code: number, body: unknown = '', headers: Record<string, string> = {}, cut = false): UpstreamFailure => ({
  kind: 'status',
  status: code,
  headers,
  body: { text: typeof body === 'string' ? body : JSON.stringify(body), cut },
});
const openAiError = (message: string, code: string | null = null, type = 'invalid_request_error') => ({
  error: { message, type, param: null, code },
});

describe('upstreamError', () => {
  it.each([
    [429, 'MODEL_OVERLOADED'],
    [408, 'MODEL_TIMEOUT'],
    [401, 'UPSTREAM_UNAVAILABLE'],
    [403, 'UPSTREAM_UNAVAILABLE'],
    [404, 'UPSTREAM_UNAVAILABLE'],
    [413, 'PAYLOAD_TOO_LARGE'],
    [400, 'VALIDATION_FAILED'],
    [422, 'VALIDATION_FAILED'],
    [500, 'UPSTREAM_UNAVAILABLE'],
    [502, 'UPSTREAM_UNAVAILABLE'],
    [503, 'UPSTREAM_UNAVAILABLE'],
    [302, 'UPSTREAM_BAD_RESPONSE'],
  ])('maps status %d to %s', (code, expected) => {
    expect(sut(status(code, openAiError('nope')), scope).code).toBe(expected);
  });

  it('gives a 429 the clamped Retry-After, or 1 s without one', () => {
    expect(sut(status(429, '', { 'retry-after': '999999' }), scope).retryAfterSeconds).toBe(60);
    expect(sut(status(429, '', { 'retry-after': 'junk' }), scope).retryAfterSeconds).toBe(1);
    expect(sut(status(503, '', { 'retry-after': 'Thu, 01 Jan 2099 00:00:00 GMT' }), scope).retryAfterSeconds).toBe(60);
    expect(sut(status(503, '', { 'retry-after': '-3' }), scope).retryAfterSeconds).toBeUndefined();
  });

  it('makes a context-length 400 CONTEXT_LENGTH_EXCEEDED with the numbers for the router and the client', () => {
    const error = sut(
      status(
        400,
        openAiError(
          "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion).",
          'context_length_exceeded',
        ),
      ),
      scope,
    );
    expect(error.code).toBe('CONTEXT_LENGTH_EXCEEDED');
    expect(error.upstream?.contextLength).toEqual({ maxTokens: 4096, requestedTokens: 5000 });
    expect(error.detail).toBe(
      'The prompt and the requested completion need 5000 tokens; this model accepts at most 4096. Shorten the messages or lower max_tokens.',
    );
  });

  it.each([
    ['OpenAI images', 400, openAiError('Your request was rejected as a result of our safety system.', 'content_policy_violation')],
    [
      'Azure OpenAI',
      400,
      {
        error: {
          message:
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
          type: null,
          param: 'prompt',
          code: 'content_filter',
          status: 400,
          innererror: {
            code: 'ResponsibleAIPolicyViolation',
            content_filter_result: { hate: { filtered: false }, violence: { filtered: true, severity: 'medium' } },
          },
        },
      },
    ],
    ['a wording without a code', 400, { error: 'Request blocked by content policy' }],
    ['a 403 refusal', 403, openAiError('flagged by the moderation endpoint', 'moderation_blocked')],
  ])('makes a content-policy refusal (%s) CONTENT_REJECTED with a client-safe reason', (_name, code, body) => {
    const error = sut(status(code, body), scope);
    expect(error.code).toBe('CONTENT_REJECTED');
    expect(error.detail).toMatch(/^The model's content policy refused this request/);
    expect(error.detail).not.toMatch(/max_tokens|parameters|Azure|safety system/);
  });

  it('names only the closed set of flagged categories', () => {
    const body = {
      error: {
        message: 'filtered',
        code: 'content_filter',
        innererror: { content_filter_result: { violence: { filtered: true }, secret_inside: { filtered: true } } },
      },
    };
    expect(sut(status(400, body), scope).detail).toContain('(flagged: violence)');
    expect(sut(status(400, body), scope).detail).not.toContain('secret_inside');
  });

  it('keeps what the upstream said as one short excerpt, out of message, stack and cause', () => {
    const huge = `{"error":{"message":"${'x'.repeat(100_000)}`;
    const error = sut(status(500, huge, {}, true), scope);
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.upstream).toMatchObject({ provider: 'primary', status: 500 });
    expect(String(error.upstream?.body).length).toBeLessThanOrEqual(LOG_EXCERPT_CHARS + 20);
    expect(String(error.upstream?.body)).toMatch(/…\[truncated\]$/);
    const logged = JSON.stringify({
      message: error.message,
      stack: error.stack,
      cause: (error.cause as Error).message,
      causeStack: (error.cause as Error).stack,
    });
    expect(logged).not.toContain('xxxxxxxxxx');
    expect(JSON.stringify(toProblem(error))).not.toContain('xxxxxxxxxx');
  });

  it('never lets upstream text into the client detail', () => {
    const leaky = openAiError('[address=0.0.0.0:28264, pid=8336] Model not found, uid: qwen2-vl-instruct-0');
    for (const code of [400, 404, 500]) {
      const error = sut(status(code, leaky), scope);
      expect(JSON.stringify(toProblem(error))).not.toMatch(/28264|pid|uid|qwen/);
    }
  });

  it('maps network errors: refused and reset are UPSTREAM_UNAVAILABLE', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(sut({ kind: 'network', error: refused }, scope)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', cause: refused });
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(sut({ kind: 'network', error: socket }, scope).code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('answers an aborted attempt with the abort reason when it is ours', () => {
    const controller = new AbortController();
    const reason = new BallastError('MODEL_TIMEOUT');
    controller.abort(reason);
    expect(sut({ kind: 'network', error: new Error('aborted'), signal: controller.signal }, scope)).toBe(reason);
    const foreign = new AbortController();
    foreign.abort();
    expect(sut({ kind: 'network', error: new Error('aborted'), signal: foreign.signal }, scope).code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('makes an unusable 2xx UPSTREAM_BAD_RESPONSE with the reason in the cause', () => {
    const error = sut(
      { kind: 'bad-response', reason: 'answer larger than 10 bytes', status: 200, body: { text: 'y'.repeat(10), cut: true } },
      scope,
    );
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect((error.cause as Error).message).toBe('answer larger than 10 bytes');
    expect(error.upstream?.body).toBe('yyyyyyyyyy…[truncated]');
  });
});
