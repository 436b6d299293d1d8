import { BallastError } from '@ballast/errors';
import { requestContext, ROOT_LOGGER } from '@ballast/observability';
import { Body, Controller, Get, Inject, Post } from '@nestjs/common';
import { createConnection } from 'node:net';
import type { Logger } from 'pino';
import request from 'supertest';
import { createTestApp, TestApp } from './support/create-test-app';

const LEAK = '[address=0.0.0.0:28264, pid=8336] Model not found, uid: qwen2-vl-instruct-0';
const LEAKED_FRAGMENTS = ['0.0.0.0', '28264', 'pid', 'uid', 'qwen2'];

@Controller('__test')
class ThrowingController {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  @Get('leak')
  leak(): never {
    throw new Error(LEAK);
  }

  @Get('string')
  throwsString(): never {
    throw 'a bare string';
  }

  @Get('logs')
  async logs(): Promise<{ id: string | undefined }> {
    this.logger.info('inside the handler');
    await new Promise((resolve) => setImmediate(resolve));
    this.logger.warn('after an await');
    return { id: requestContext.requestId() };
  }

  @Post('echo')
  echo(@Body() body: unknown): unknown {
    return body;
  }

  @Get('taxonomy')
  taxonomy(): never {
    throw new BallastError('MODEL_OVERLOADED', { retryAfterSeconds: 3 });
  }
}

function expectProblemShape(body: Record<string, unknown>, code: string, status: number): void {
  expect(body).toMatchObject({ code, status, retryable: expect.any(Boolean), request_id: expect.any(String) });
  expect(body.type).toBe(`/problems/${code.toLowerCase().replace(/_/g, '-')}`);
  expect((body.error as { message: string }).message).toBe(body.detail);
}

describe('foundation (production)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ controllers: [ThrowingController], env: { MAX_UPLOAD_BYTES: '1000' }, listen: true });
  });
  afterAll(() => t.close());

  it('answers an unknown route with a 404 problem', async () => {
    const res = await request(t.server).get('/no/such/route').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expectProblemShape(res.body, 'NOT_FOUND', 404);
    expect(res.body.retryable).toBe(false);
    expect(res.body.error.message).toEqual(expect.any(String));
    expect(res.headers['x-request-id']).toBe(res.body.request_id);
  });

  it('answers malformed JSON with 400 VALIDATION_FAILED that says what is wrong', async () => {
    const res = await request(t.server).post('/__test/echo').set('Content-Type', 'application/json').send('{"a": ').expect(400);
    expectProblemShape(res.body, 'VALIDATION_FAILED', 400);
    expect(res.body.detail).toMatch(/not valid JSON/);
  });

  it('answers an over-limit body with 413 PAYLOAD_TOO_LARGE', async () => {
    const huge = JSON.stringify({ text: 'x'.repeat(3 * 1024 * 1024) });
    const res = await request(t.server).post('/__test/echo').set('Content-Type', 'application/json').send(huge).expect(413);
    expectProblemShape(res.body, 'PAYLOAD_TOO_LARGE', 413);
  });

  it('never leaks an upstream-looking error message in production', async () => {
    const res = await request(t.server).get('/__test/leak').expect(500);
    expectProblemShape(res.body, 'INTERNAL_ERROR', 500);
    const everything = JSON.stringify(res.headers) + res.text;
    for (const fragment of LEAKED_FRAGMENTS) {
      expect(everything).not.toContain(fragment);
    }
    expect(res.body.debug).toBeUndefined();
    // ...but the log has the whole story.
    expect(t.logs.forRequest(res.body.request_id).some((line) => JSON.stringify(line).includes('qwen2-vl-instruct-0'))).toBe(true);
  });

  it('turns a thrown non-Error into INTERNAL_ERROR', async () => {
    const res = await request(t.server).get('/__test/string').expect(500);
    expectProblemShape(res.body, 'INTERNAL_ERROR', 500);
    expect(res.text).not.toContain('a bare string');
  });

  it('sends Retry-After with a taxonomy error that has one', async () => {
    const res = await request(t.server).get('/__test/taxonomy').expect(503);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.body).toMatchObject({ code: 'MODEL_OVERLOADED', retryable: true, retry_after: 3 });
  });

  it('keeps a valid X-Request-Id and echoes it', async () => {
    const res = await request(t.server).get('/__test/logs').set('X-Request-Id', 'abc-123').expect(200);
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.body.id).toBe('abc-123');
  });

  it.each([
    ['200 characters', 'a'.repeat(200)],
    ['a space', 'abc 123'],
    ['a tab', 'abc\t123'],
  ])('replaces an X-Request-Id with %s', async (_label, bad) => {
    const res = await request(t.server).get('/__test/logs').set('X-Request-Id', bad).expect(200);
    expect(res.headers['x-request-id']).not.toBe(bad);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replaces an X-Request-Id containing a newline (sent raw)', async () => {
    const port = (t.server.address() as { port: number }).port;
    const raw = await new Promise<string>((resolve) => {
      const socket = createConnection(port, '127.0.0.1', () => {
        // An obs-fold continuation line is the one way a newline can arrive inside a header value.
        socket.write('GET /__test/logs HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\r\n def\r\nConnection: close\r\n\r\n');
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
    });
    expect(raw).toMatch(/^HTTP\/1.1 400/);
    expect(raw).toMatch(/content-type: application\/problem\+json/i);
    expect(raw).toMatch(/x-request-id: [0-9a-f-]{36}\r\n/i);
    expect(raw).not.toMatch(/x-request-id: abc/i);
    expect(raw).toContain('"code":"VALIDATION_FAILED"');
  });

  it('puts the request id on every log line written while serving', async () => {
    const res = await request(t.server).get('/__test/logs').set('X-Request-Id', 'trace-me-42').expect(200);
    await new Promise((resolve) => setImmediate(resolve));
    const lines = t.logs.forRequest('trace-me-42');
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['inside the handler', 'after an await', 'request completed']));
    expect(res.body.id).toBe('trace-me-42');
    const summary = lines.find((line) => line.msg === 'request completed');
    expect(summary).toMatchObject({ method: 'GET', route: '/__test/logs', status: 200, duration_ms: expect.any(Number) });
  });

  it('never logs an Authorization or x-api-key value', async () => {
    await request(t.server).get('/__test/logs').set('Authorization', 'Bearer sekrit-token-1').set('x-api-key', 'sekrit-key-2');
    expect(t.logs.text()).not.toMatch(/sekrit/);
  });

  it('serves a human page per problem type, and a problem for an unknown one', async () => {
    const page = await request(t.server).get('/problems/model-timeout').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('MODEL_TIMEOUT');
    const missing = await request(t.server).get('/problems/no-such-thing').expect(404);
    expect(missing.body.code).toBe('NOT_FOUND');
  });

  it('answers the liveness probe', async () => {
    const res = await request(t.server).get('/health/live').expect(200);
    expect(res.body.status).toBe('ok');
  });
});

describe('foundation (development)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ controllers: [ThrowingController], env: { NODE_ENV: 'development' } });
  });
  afterAll(() => t.close());

  it('explains everything in debug', async () => {
    const res = await request(t.server).get('/__test/leak').expect(500);
    expect(res.body.code).toBe('INTERNAL_ERROR');
    expect(res.body.debug).toMatchObject({ name: 'Error', message: LEAK, stack: expect.stringContaining('ThrowingController') });
    expect(res.body.debug.causes).toHaveLength(1);
  });
});
