import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import request from 'supertest';
import { Fixture, FixtureName, generateFixtures, OCR_TEXT } from './fixtures/generate-fixtures';
import { createTestApp, TestApp } from './support/create-test-app';
import { writeModelsFile } from './support/models-file';
import { startTestUpstream, TestUpstream } from './upstream';

const MAX_UPLOAD = 2 * 1024 * 1024;

describe('vision endpoints', () => {
  let upstream: TestUpstream;
  let t: TestApp;
  let fixtures: Record<FixtureName, Fixture>;

  beforeAll(async () => {
    [upstream, fixtures] = await Promise.all([
      startTestUpstream({ reply: 'A red square.' }),
      generateFixtures(undefined, { oversizeLimit: MAX_UPLOAD }),
    ]);
    const models = {
      providers: {
        primary: { type: 'openai', baseUrl: upstream.url, resilience: { retries: 0, breaker: { minCalls: 1000 } } },
        local: { type: 'local' },
      },
      models: {
        vision: {
          route: [
            { provider: 'primary', model: 'qwen2-vl-instruct' },
            { provider: 'local', model: 'ocr' },
          ],
        },
        ocr: { route: [{ provider: 'local', model: 'ocr' }] },
      },
    };
    t = await createTestApp({ env: { MODELS_FILE: writeModelsFile(models), MAX_UPLOAD_BYTES: String(MAX_UPLOAD), OCR_WORKERS: '1' } });
  }, 60_000);
  afterEach(() => upstream.reset());
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  const names = () => Object.keys(fixtures) as FixtureName[];

  it.each(['analyze', 'ocr'])(
    'answers every fixture on /v1/vision/%s with its expected status and code, never a 5xx',
    async (endpoint) => {
      for (const name of names()) {
        const fixture = fixtures[name];
        const req = request(t.server).post(`/v1/vision/${endpoint}`).attach('image', fixture.path, { contentType: fixture.contentType });
        const res = await (endpoint === 'analyze' ? req.field('prompt', 'What is this?') : req);
        expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: fixture.expectStatus, code: fixture.expectCode });
        if (res.status >= 400) {
          expect(res.headers['content-type']).toMatch(/problem\+json/);
          expect(res.body.detail.length).toBeGreaterThan(10);
        } else {
          expect(res.body).toMatchObject({
            image: { width: expect.any(Number), height: expect.any(Number) },
            request_id: res.headers['x-request-id'],
          });
        }
      }
    },
    120_000,
  );

  it('applies EXIF orientation, strips metadata, and sends the upstream a clean JPEG or PNG data URL', async () => {
    const res = await request(t.server)
      .post('/v1/vision/analyze')
      .field('prompt', 'describe')
      .attach('image', fixtures['exif-orientation-6-jpeg'].path)
      .expect(200);
    const { image } = res.body;
    expect([image.width, image.height]).toEqual([image.original.height, image.original.width]);
    expect(image.corrections).toContain('orientation');
    expect(res.body).toMatchObject({ text: 'A red square.', model: 'vision/primary/qwen2-vl-instruct', fallback: false });
    const sent = upstream.requests.find((r) => r.path.endsWith('/chat/completions'))!.body as {
      messages: Array<{ content: Array<{ type: string; image_url?: { url: string } }> }>;
    };
    const url = sent.messages[0].content.find((part) => part.type === 'image_url')!.image_url!.url;
    expect(url).toMatch(/^data:image\/(jpeg|png);base64,/);
    const metadata = await sharp(Buffer.from(url.split(',')[1], 'base64')).metadata();
    expect(metadata.exif).toBeUndefined();
    expect(metadata.orientation).toBeUndefined();
    expect([metadata.width, metadata.height]).toEqual([image.width, image.height]);
  });

  it('lists the colour-space correction for a CMYK JPEG', async () => {
    const res = await request(t.server).post('/v1/vision/ocr').attach('image', fixtures['cmyk-jpeg'].path).expect(200);
    expect(res.body.image.corrections.some((c: string) => c.startsWith('colour_space'))).toBe(true);
  });

  it('refuses a decompression bomb in under a second without growing memory', async () => {
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const res = await request(t.server).post('/v1/vision/ocr').attach('image', fixtures['png-bomb-30000'].path).expect(422);
      expect(res.body.code).toBe('IMAGE_TOO_LARGE');
      expect(performance.now() - started).toBeLessThan(1000);
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('reads the text of an invoice with the embedded OCR, no network', async () => {
    const res = await request(t.server).post('/v1/vision/ocr').attach('image', fixtures['ocr-text-png'].path).expect(200);
    const text = res.body.text.toUpperCase().replace(/\s+/g, ' ').trim();
    expect(text).toContain('INVOICE');
    expect(text).toContain('4711');
    expect(text).toContain('TOTAL');
    expect(text).toContain('99.50');
    expect(res.body).toMatchObject({ model: 'ocr/local/ocr', fallback: false, confidence: expect.any(Number) });
    expect(OCR_TEXT).toBe('INVOICE 4711 TOTAL 99.50');
  });

  it('falls back from a failing VL model to the embedded OCR, saying so in body and headers', async () => {
    upstream.setDefault({
      kind: 'status',
      status: 500,
      body: '[address=0.0.0.0:28264, pid=8336] Model not found, uid: qwen2-vl-instruct-0',
    });
    const res = await request(t.server)
      .post('/v1/vision/analyze')
      .field('prompt', 'read it')
      .attach('image', fixtures['ocr-text-png'].path)
      .expect(200);
    expect(res.body).toMatchObject({ model: 'vision/local/ocr', fallback: true });
    expect(res.body.text).toContain('4711');
    expect(res.headers['x-fallback-used']).toBe('true');
    expect(res.headers['x-model-used']).toBe('vision/local/ocr');
    expect(res.text).not.toMatch(/28264|qwen2-vl-instruct-0/);
  });

  it('accepts JSON with a data: URL or bare base64', async () => {
    const bytes = await readFile(fixtures['normal-jpeg'].path);
    await request(t.server)
      .post('/v1/vision/analyze')
      .send({ prompt: 'hi', image: `data:image/jpeg;base64,${bytes.toString('base64')}` })
      .expect(200);
    await request(t.server)
      .post('/v1/vision/analyze')
      .send({ prompt: 'hi', image: bytes.toString('base64') })
      .expect(200);
  });

  it.each([
    ['no image', { prompt: 'hi' }, 400, 'VALIDATION_FAILED'],
    ['no prompt', { image: 'aGVsbG8=' }, 400, 'VALIDATION_FAILED'],
    ['base64 that is not', { prompt: 'hi', image: '%%% not base64 %%%' }, 400, 'VALIDATION_FAILED'],
    ['an image that is text', { prompt: 'hi', image: Buffer.from('hello world').toString('base64') }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an unknown model', { prompt: 'hi', image: 'aGVsbG8=', model: 'nope' }, 404, 'MODEL_NOT_FOUND'],
  ])('refuses %s', async (_label, body, status, code) => {
    const res = await request(t.server).post('/v1/vision/analyze').send(body).expect(status);
    expect(res.body.code).toBe(code);
  });

  it('refuses a declared multipart body over the limit before reading it', async () => {
    const res = await request(t.server)
      .post('/v1/vision/ocr')
      .set('Content-Type', 'multipart/form-data; boundary=x')
      .set('Content-Length', String(50 * 1024 * 1024))
      .send('--x\r\n')
      .ok(() => true);
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('vision with the embedded default (no models file)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { OCR_WORKERS: '1' } });
  }, 60_000);
  afterAll(() => t.close());

  it('serves /v1/vision/ocr out of the box and says what exists for analyze', async () => {
    const fixtures = await generateFixtures();
    const ocr = await request(t.server).post('/v1/vision/ocr').attach('image', fixtures['ocr-text-png'].path).expect(200);
    expect(ocr.body.text).toContain('4711');
    const analyze = await request(t.server)
      .post('/v1/vision/analyze')
      .field('prompt', 'x')
      .attach('image', fixtures['normal-jpeg'].path)
      .expect(404);
    expect(analyze.body.code).toBe('MODEL_NOT_FOUND');
    expect(analyze.body.detail).toContain('ocr');
  });
});
