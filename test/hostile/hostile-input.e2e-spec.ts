import { once } from 'node:events';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { writeModelsFile } from '../support/models-file';
import { waitUntilReady } from '../support/spawn-ballast';
import { chunkedUpload } from './support/chunked-upload';
import { HostileChild, startHostileChild } from './support/hostile-child';
import { openIdleSockets, rawExchange, send } from './support/raw-http';
import { Vitals, VitalsMonitor } from './support/vitals-monitor';

/**
 * Issue 12: no single request takes a replica down. Each case runs against
 * the built server in a child process with a 384 MB heap, and checks the
 * answer, its time, RSS during and after, that /health/live kept answering
 * within 500 ms, that the process lives on, and that the log stayed small.
 */
jest.setTimeout(60_000);

const KEY = 'hostile-suite-key';
const AUTH = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
const HEAP_MB = 384;
const MAX_CONNECTIONS = 1000;
const HEADERS_TIMEOUT_MS = 3000;
/** A few KB of log per request at most, probes included. */
const LOG_BYTES_PER_REQUEST = 4096;

interface Watched<T> {
  result: T;
  vitals: Vitals;
  /** RSS once the case is over and the process had a moment to give memory back. */
  settledRssMb: number;
  logBytesPerRequest: number;
}

interface Unfinished {
  response: string;
  closedByServer: boolean;
  ms: number;
}

/**
 * A request whose body never ends: the head, then chunks from `next` as fast as the server reads them, until it
 * answers, closes, or `next` has no more. An answer can only come from the server giving up on the body.
 */
async function unfinishedRequest(port: number, head: string, next: () => Buffer | undefined): Promise<Unfinished> {
  const started = performance.now();
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  socket.write(head);
  for (let chunk = next(); chunk && chunks.length === 0 && !isClosed && socket.writable; chunk = next()) {
    if (!socket.write(chunk)) {
      await Promise.race([once(socket, 'drain').catch(() => undefined), closed]);
    }
  }
  const closedByServer = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
  socket.destroy();
  return { response: Buffer.concat(chunks).toString('utf8'), closedByServer, ms: performance.now() - started };
}

function requestHead(headers: Record<string, string>): string {
  const lines = Object.entries({ Host: 'hostile', ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  return `POST /v1/chat/completions HTTP/1.1\r\n${lines.join('')}\r\n`;
}

describe('hostile input (built server, child process)', () => {
  let ballast: HostileChild;
  let bombPng: Buffer;

  beforeAll(async () => {
    // 6000x6000 pixels in 35 KB of PNG: 36 megapixels each once decoded.
    bombPng = await sharp({ create: { width: 6000, height: 6000, channels: 3, background: '#ffffff' } })
      .greyscale()
      .png({ compressionLevel: 9, palette: true })
      .toBuffer();
    const modelsFile = writeModelsFile({
      providers: { never: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1' } },
      models: { chat: { route: [{ provider: 'never', model: 'never-called' }] } },
    });
    ballast = await startHostileChild(
      {
        API_KEYS: KEY,
        MODELS_FILE: modelsFile,
        OCR_WORKERS: '1',
        MAX_CONNECTIONS: String(MAX_CONNECTIONS),
        HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      },
      HEAP_MB,
    );
    await waitUntilReady(ballast.port);
  });

  afterAll(() => ballast?.stop());

  afterEach(() => {
    expect(ballast.exited()).toBe(false);
  });

  async function watched<T>(requests: number, run: () => Promise<T>): Promise<Watched<T>> {
    const logBefore = ballast.logBytes();
    const monitor = new VitalsMonitor(ballast).start();
    const result = await run();
    const vitals = await monitor.stop();
    let settledRssMb = ballast.rssMb();
    for (let waited = 0; waited < 3000 && settledRssMb > vitals.baselineRssMb + 40; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // RSS has no event to await
      settledRssMb = ballast.rssMb();
    }
    const logBytesPerRequest = (ballast.logBytes() - logBefore) / (requests + vitals.probes);
    return { result, vitals, settledRssMb, logBytesPerRequest };
  }

  function expectHealthy(watch: Watched<unknown>, limits: { peakGrowthMb: number; settledGrowthMb: number }): void {
    const { vitals } = watch;
    expect(ballast.exited()).toBe(false);
    expect(vitals.failedProbes).toBe(0);
    expect(vitals.probes).toBeGreaterThan(0);
    expect(vitals.slowestLiveMs).toBeLessThan(500);
    expect(vitals.peakRssMb - vitals.baselineRssMb).toBeLessThan(limits.peakGrowthMb);
    expect(watch.settledRssMb - vitals.baselineRssMb).toBeLessThan(limits.settledGrowthMb);
    expect(watch.logBytesPerRequest).toBeLessThan(LOG_BYTES_PER_REQUEST);
  }

  it('refuses 4,000,000 messages (12 MB) before parsing them', async () => {
    const body = `{"model":"chat","messages":[${'{},'.repeat(3_999_999)}{}]}`;
    const watch = await watched(1, () => send(ballast.port, 'POST', '/v1/chat/completions', AUTH, body));
    expect(watch.result.status).toBe(400);
    expect(watch.result.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringMatching(/more than 100000 values/) });
    expect(watch.result.ms).toBeLessThan(3000);
    expectHealthy(watch, { peakGrowthMb: 150, settledGrowthMb: 60 });
  });

  it('caps errors[] at 20 entries plus a count', async () => {
    // 200 empty messages: 400 field errors found, 20 listed.
    const body = JSON.stringify({ model: 'chat', messages: Array.from({ length: 200 }, () => ({})) });
    const watch = await watched(1, () => send(ballast.port, 'POST', '/v1/chat/completions', AUTH, body));
    expect(watch.result.status).toBe(400);
    expect(watch.result.body.errors).toHaveLength(20);
    expect(watch.result.body.errors_total).toBeGreaterThanOrEqual(200);
    expectHealthy(watch, { peakGrowthMb: 100, settledGrowthMb: 60 });
  });

  it('refuses 300 bomb-sized data: images by count, before decoding any', async () => {
    const url = `data:image/png;base64,${bombPng.toString('base64')}`;
    const content = Array.from({ length: 300 }, () => ({ type: 'image_url', image_url: { url } }));
    const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] });
    const watch = await watched(1, () => send(ballast.port, 'POST', '/v1/chat/completions', AUTH, body));
    expect(watch.result.status).toBe(422);
    expect(watch.result.body).toMatchObject({ code: 'IMAGE_TOO_LARGE', detail: expect.stringMatching(/300 data: images; at most 16/) });
    expect(watch.result.ms).toBeLessThan(3000);
    expectHealthy(watch, { peakGrowthMb: 150, settledGrowthMb: 60 });
  });

  it('refuses 16 bomb-sized images (each acceptable alone) by their declared pixels, before decoding any', async () => {
    const url = `data:image/png;base64,${bombPng.toString('base64')}`;
    const content = Array.from({ length: 16 }, () => ({ type: 'image_url', image_url: { url } }));
    const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] });
    const watch = await watched(1, () => send(ballast.port, 'POST', '/v1/chat/completions', AUTH, body));
    expect(watch.result.status).toBe(422);
    expect(watch.result.body).toMatchObject({ code: 'IMAGE_TOO_LARGE', detail: expect.stringMatching(/576\.0 megapixels together/) });
    expect(watch.result.ms).toBeLessThan(3000);
    // One decoded 36 MP image alone is 108 MB of raw pixels.
    expectHealthy(watch, { peakGrowthMb: 80, settledGrowthMb: 60 });
  });

  it('answers JSON nested 10,000 deep with 400, not a stack overflow', async () => {
    const body = `{"model":"chat","messages":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const watch = await watched(1, () => send(ballast.port, 'POST', '/v1/chat/completions', AUTH, body));
    expect(watch.result.status).toBe(400);
    expect(watch.result.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringMatching(/nested more than 32 levels/) });
    expectHealthy(watch, { peakGrowthMb: 60, settledGrowthMb: 40 });
  });

  it('answers multipart without a boundary, and a truncated multipart body, with 400 that says why', async () => {
    const watch = await watched(2, async () => [
      await send(ballast.port, 'POST', '/v1/vision/ocr', { ...AUTH, 'Content-Type': 'multipart/form-data' }, 'abc'),
      await send(
        ballast.port,
        'POST',
        '/v1/vision/ocr',
        { ...AUTH, 'Content-Type': 'multipart/form-data; boundary=XX' },
        '--XX\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\nabcdef',
      ),
    ]);
    const [noBoundary, truncated] = watch.result;
    expect(noBoundary.status).toBe(400);
    expect(noBoundary.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringMatching(/no boundary/) });
    expect(truncated.status).toBe(400);
    expect(truncated.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringMatching(/ended before its closing boundary/) });
    expectHealthy(watch, { peakGrowthMb: 60, settledGrowthMb: 40 });
  });

  it('answers an over-limit chunked upload with 413 as soon as the limit is passed, and closes', async () => {
    // MAX_UPLOAD_BYTES is 10 MB. The client writes 11 MB and never ends the
    // body, so a 413 proves the server answered on passing the limit rather
    // than at the body's end; no answer arrives before the limit is reached.
    const stopWritingAt = 11 * 1024 * 1024;
    const watch = await watched(1, () => chunkedUpload(ballast.port, { Authorization: `Bearer ${KEY}` }, stopWritingAt));
    const { sentWhenAnswered, response, closedByServer } = watch.result;
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).toContain('"code":"PAYLOAD_TOO_LARGE"');
    expect(sentWhenAnswered).toBeGreaterThan(10 * 1024 * 1024);
    expect(sentWhenAnswered).toBeLessThanOrEqual(stopWritingAt);
    expect(closedByServer).toBe(true);
    expectHealthy(watch, { peakGrowthMb: 100, settledGrowthMb: 60 });
  });

  it('refuses a gzip bomb as soon as it inflates past the limit, without holding it, and closes', async () => {
    // Up to 4 GiB of spaces once inflated, sent as gzip members of 1 MiB (about 1 KB each), in a body that never
    // ends: a 413 proves the server stopped on passing the 15 MiB JSON limit rather than at the body's end.
    const member = gzipSync(Buffer.alloc(1024 * 1024, 0x20));
    const frame = Buffer.concat([Buffer.from(`${(member.length * 64).toString(16)}\r\n`), ...Array(64).fill(member), Buffer.from('\r\n')]);
    let framesLeft = 64;
    const head = requestHead({
      Authorization: `Bearer ${KEY}`,
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
      'Transfer-Encoding': 'chunked',
    });
    const watch = await watched(1, () => unfinishedRequest(ballast.port, head, () => (framesLeft-- > 0 ? frame : undefined)));
    const { response, closedByServer, ms } = watch.result;
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).toContain('"code":"PAYLOAD_TOO_LARGE"');
    expect(response).toMatch(/connection: close/i);
    expect(closedByServer).toBe(true);
    expect(ms).toBeLessThan(3000);
    expectHealthy(watch, { peakGrowthMb: 60, settledGrowthMb: 40 });
  });

  it('refuses a JSON body declared larger than the limit before it is sent, and closes', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let chunksLeft = 16;
    const head = requestHead({
      Authorization: `Bearer ${KEY}`,
      'Content-Type': 'application/json',
      'Content-Length': String(100 * 1024 * 1024),
    });
    const watch = await watched(1, () => unfinishedRequest(ballast.port, head, () => (chunksLeft-- > 0 ? chunk : undefined)));
    const { response, closedByServer } = watch.result;
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).toMatch(/"detail":"The request body is larger than the \d+ bytes this server accepts\."/);
    expect(closedByServer).toBe(true);
    expectHealthy(watch, { peakGrowthMb: 60, settledGrowthMb: 40 });
  });

  it('answers a request without Host with a problem, a request id and a log line', async () => {
    const watch = await watched(1, () => rawExchange(ballast.port, 'GET /health/live HTTP/1.1\r\nConnection: close\r\n\r\n'));
    const response = watch.result;
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toMatch(/content-type: application\/problem\+json/i);
    const requestId = /x-request-id: (\S+)/i.exec(response)?.[1];
    expect(requestId).toBeDefined();
    expect(response).toContain(`"request_id":"${requestId}"`);
    expect(response).toMatch(/Host header/);
    expect(ballast.logText()).toContain(`"request_id":"${requestId}"`);
    expectHealthy(watch, { peakGrowthMb: 60, settledGrowthMb: 40 });
  });

  it('logs one line for a request the HTTP parser refuses', async () => {
    const response = await rawExchange(ballast.port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    const requestId = /x-request-id: (\S+)/i.exec(response)?.[1];
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(requestId).toBeDefined();
    const linesOf = () =>
      ballast
        .logText()
        .split('\n')
        .filter((line) => line.includes(requestId!));
    for (let waited = 0; linesOf().length === 0 && waited < 2000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the child's log arrives on its own pipe
    }
    const lines = linesOf();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/refused by the HTTP parser/);
  });

  it('routes an absolute-form target by its path, and answers `*` targets with a 404 problem', async () => {
    const exchange = (target: string) => rawExchange(ballast.port, `${target} HTTP/1.1\r\nHost: hostile\r\nConnection: close\r\n\r\n`);
    expect(await exchange(`GET http://hostile/health/live`)).toMatch(/^HTTP\/1\.1 200 /);
    const wrongMethod = await exchange(`DELETE http://hostile/v1/models`);
    expect(wrongMethod).toMatch(/^HTTP\/1\.1 405 /);
    expect(wrongMethod).toMatch(/allow: GET, HEAD/i);
    for (const target of ['OPTIONS *', 'GET *']) {
      const response = await exchange(target);
      expect(response).toMatch(/^HTTP\/1\.1 404 /);
      expect(response).toMatch(/content-type: application\/problem\+json/i);
      expect(response).toMatch(/"code":"NOT_FOUND","request_id":"[^"]+"/);
    }
  });

  it('answers a wrong method on a known route with 405 and Allow', async () => {
    const watch = await watched(1, () => send(ballast.port, 'POST', '/v1/models', AUTH, '{}'));
    expect(watch.result.status).toBe(405);
    expect(watch.result.headers.allow).toBe('GET, HEAD');
    expect(watch.result.body).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    expectHealthy(watch, { peakGrowthMb: 60, settledGrowthMb: 40 });
  });

  it('keeps 5,000 idle sockets from pinning file descriptors: probes get through, idle ones get 408 and are closed', async () => {
    const baselineFds = ballast.openFds();
    const watch = await watched(5000, async () => {
      const sockets = await openIdleSockets(ballast.port, 5000);
      await Promise.all(sockets.map(({ closed }) => closed));
      // The newest were kept (older idle ones made room for them) until their headers timeout.
      return { lastAnswer: sockets[sockets.length - 1].answer() };
    });
    expect(watch.result.lastAnswer).toMatch(/^HTTP\/1\.1 408 /);
    expect(watch.result.lastAnswer).toContain('"code":"REQUEST_TIMEOUT"');
    expect(watch.vitals.peakFds - baselineFds).toBeLessThanOrEqual(MAX_CONNECTIONS + 50);
    expect(ballast.openFds() - baselineFds).toBeLessThan(20);
    expectHealthy(watch, { peakGrowthMb: 150, settledGrowthMb: 80 });
  });
});
