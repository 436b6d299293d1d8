import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { jsonBodyLimit } from '../../src/configure-app';
import { createTestApp, TestApp } from '../support/create-test-app';
import { writeModelsFile } from '../support/models-file';

/** Issue 12 items 1, 7 and 9, in-process: client mistakes answered as client mistakes, limits read from settings. */
describe('client mistakes', () => {
  let t: TestApp;
  beforeAll(async () => {
    const modelsFile = writeModelsFile({
      providers: { never: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1' } },
      models: { chat: { route: [{ provider: 'never', model: 'never-called' }] } },
    });
    t = await createTestApp({
      env: { MODELS_FILE: modelsFile, CHAT_MAX_MESSAGES: '3', CHAT_MAX_TEXT_CHARS: '10', JSON_MAX_DEPTH: '6', CHAT_MAX_IMAGES: '1' },
    });
  });
  afterAll(() => t.close());

  const chat = (body: unknown) =>
    request(t.server)
      .post('/v1/chat/completions')
      .send(body as object);

  it('takes the message limit from CHAT_MAX_MESSAGES', async () => {
    const res = await chat({ model: 'chat', messages: Array.from({ length: 4 }, () => ({ role: 'user', content: 'hi' })) }).expect(400);
    expect(res.body.errors).toEqual([{ field: 'messages', message: 'must contain at most 3 messages (got 4)' }]);
  });

  it('takes the text limit from CHAT_MAX_TEXT_CHARS', async () => {
    const res = await chat({ model: 'chat', messages: [{ role: 'user', content: 'x'.repeat(11) }] }).expect(400);
    expect(res.body.errors).toEqual([{ field: 'messages[0].content', message: 'must be at most 10 characters' }]);
  });

  it('takes the depth limit from JSON_MAX_DEPTH', async () => {
    const res = await request(t.server)
      .post('/v1/chat/completions')
      .set('Content-Type', 'application/json')
      .send('{"a":[[[[[[1]]]]]]}')
      .expect(400);
    expect(res.body.detail).toBe('The JSON body is nested more than 6 levels deep.');
  });

  it('takes the image count from CHAT_MAX_IMAGES, before reading any image', async () => {
    const part = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } };
    const res = await chat({ model: 'chat', messages: [{ role: 'user', content: [part, part] }] }).expect(422);
    expect(res.body.code).toBe('IMAGE_TOO_LARGE');
  });

  it.each([
    [
      'a body that is not valid gzip',
      () =>
        request(t.server)
          .post('/v1/chat/completions')
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', 'gzip')
          .send('not gzip'),
      /Content-Encoding/,
    ],
    ['a path that is not valid percent-encoding', () => request(t.server).get('/problems/%E0%A4%A'), /percent-encoding/],
  ])('answers %s with a 400 that says what is wrong and promises no errors[] it lacks', async (_name, send, detail) => {
    const res = await send().expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringMatching(detail) });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.detail).not.toMatch(/errors\[\]/);
  });

  it('logs and counts a path the router could not decode like any other request', async () => {
    const res = await request(t.server).get('/problems/%E0%A4%A').expect(400);
    expect(res.headers['x-request-id']).toBe(res.body.request_id);
    await new Promise((resolve) => setImmediate(resolve)); // the summary line is written when the response closes
    expect(t.logs.forRequest(res.body.request_id)).toContainEqual(
      expect.objectContaining({ msg: 'request completed', status: 400, code: 'VALIDATION_FAILED', route: '(unmatched)' }),
    );
    const metrics = (await request(t.server).get('/metrics')).text;
    expect(metrics).toMatch(/^ballast_http_requests_total\{method="GET",route="\(unmatched\)",status="400"\} [1-9]/m);
  });

  describe('request bodies, as express.json read them', () => {
    const fourMessages = JSON.stringify({ model: 'chat', messages: Array.from({ length: 4 }, () => ({ role: 'user', content: 'hi' })) });
    // supertest would otherwise send a Buffer under a JSON Content-Type as JSON ({"type":"Buffer",…}).
    const sendBytes = (headers: Record<string, string>, body: Buffer | string) =>
      request(t.server)
        .post('/v1/chat/completions')
        .set({ 'Content-Type': 'application/json', ...headers })
        .serialize((bytes: unknown) => bytes as string)
        .send(body as string);

    it.each([
      ['gzip', gzipSync(fourMessages)],
      ['deflate', deflateSync(fourMessages)],
      ['br', brotliCompressSync(fourMessages)],
      ['GZIP', gzipSync(fourMessages)],
    ])('inflates a %s body and validates what it holds', async (encoding, body) => {
      const res = await sendBytes({ 'Content-Encoding': encoding }, body).expect(400);
      expect(res.body.errors).toEqual([{ field: 'messages', message: 'must contain at most 3 messages (got 4)' }]);
    });

    it('refuses a gzip bomb with 413 once it inflates past the limit, and says the limit', async () => {
      // 64 gzip members of 1 MiB of spaces each: 64 KB sent, 64 MiB once inflated, over the 15 MiB JSON limit.
      const member = gzipSync(Buffer.alloc(1024 * 1024, 0x20));
      const res = await sendBytes({ 'Content-Encoding': 'gzip' }, Buffer.concat(Array.from({ length: 64 }, () => member))).expect(413);
      expect(res.body).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        detail: `The request body is larger than the ${jsonBodyLimit(t.config)} bytes this server accepts.`,
      });
    });

    it.each([
      ['an unknown Content-Encoding', { 'Content-Encoding': 'compress' }, /content encoding/],
      ['two Content-Encodings', { 'Content-Encoding': 'gzip, br' }, /content encoding/],
      ['a charset other than UTF-8', { 'Content-Type': 'application/json; charset=iso-8859-1' }, /send UTF-8/],
    ])('refuses %s with 415, before reading the body', async (_name, headers, detail) => {
      const res = await sendBytes(headers, fourMessages).expect(415);
      expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', detail: expect.stringMatching(detail) });
    });

    it('reads a JSON body that names UTF-8 in any case or quoted', async () => {
      const res = await sendBytes({ 'Content-Type': 'application/json; charset="UTF-8"' }, fourMessages).expect(400);
      expect(res.body.errors).toEqual([{ field: 'messages', message: 'must contain at most 3 messages (got 4)' }]);
    });

    it('leaves a body of another type unread and lets validation answer, as Express did (no 415)', async () => {
      const res = await request(t.server).post('/v1/chat/completions').set('Content-Type', 'text/plain').send(fourMessages).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });
  });

  it('serves a /problems page for METHOD_NOT_ALLOWED and REQUEST_TIMEOUT from the catalogue', async () => {
    await request(t.server)
      .get('/problems/method-not-allowed')
      .expect(200)
      .expect(/HTTP 405/);
    await request(t.server)
      .get('/problems/request-timeout')
      .expect(200)
      .expect(/HTTP 408/);
  });
});
