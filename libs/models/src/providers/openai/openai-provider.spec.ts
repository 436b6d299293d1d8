import { BallastError } from '@ballast/errors';
import { BallastMetrics } from '@ballast/observability';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { OpenAiProvider } from './openai-provider';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const COMPLETION = JSON.stringify({
  id: 'x',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }],
});

/** Writes `total` bytes of `fill` honouring backpressure; resolves with how many were written before the client left. */
function pour(res: ServerResponse, head: string, total: number): Promise<number> {
  const piece = Buffer.alloc(64 * 1024, 'x');
  let written = 0;
  return new Promise((resolve) => {
    res.once('close', () => resolve(written));
    const more = () => {
      while (written < total && !res.destroyed) {
        written += piece.length;
        if (!res.write(written === piece.length ? Buffer.concat([Buffer.from(head), piece]) : piece)) {
          res.once('drain', more);
          return;
        }
      }
      res.end();
    };
    more();
  });
}

describe('OpenAiProvider against a real HTTP server', () => {
  let server: Server;
  let handler: Handler;
  let sut: OpenAiProvider;
  let base: string;
  const sockets = new Set<number>();
  const context = (signal = new AbortController().signal) => ({ requestId: 'req-9', traceparent: '00-abc-def-01', signal });
  const limits = {
    maxAnswerBytes: 256 * 1024,
    maxErrorBodyBytes: 1024,
    maxEventChars: 1024 * 1024,
    maxBadEvents: 3,
    maxRetryAfterSeconds: 60,
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      sockets.add(req.socket.remotePort!);
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => handler(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    sut = new OpenAiProvider(
      'p',
      { baseUrl: base, apiKey: 'k', limits },
      { metrics: new BallastMetrics({ defaultMetrics: false }), logger: pino({ level: 'silent' }) },
    );
  });

  afterAll(async () => {
    await sut.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts the request with its headers and reads the completion, over one kept-alive connection', async () => {
    const seen: Array<{ url?: string; headers: IncomingMessage['headers']; body: unknown }> = [];
    handler = (req, res, body) => {
      seen.push({ url: req.url, headers: req.headers, body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(COMPLETION);
    };
    sockets.clear();
    const first = await sut.complete('m', { messages: [{ role: 'user', content: 'x' }] }, context());
    for (let i = 0; i < 4; i++) {
      // undici frees the connection just after the body ends: a request sent in the same tick opens a second one.
      await new Promise((resolve) => setImmediate(resolve));
      await sut.complete('m', { messages: [{ role: 'user', content: 'y' }] }, context());
    }
    expect(first.choices[0].message.content).toBe('hi');
    expect(seen[0]).toMatchObject({
      url: '/v1/chat/completions',
      headers: { authorization: 'Bearer k', 'x-request-id': 'req-9', traceparent: '00-abc-def-01', 'content-type': 'application/json' },
      body: { model: 'm', stream: false, messages: [{ role: 'user', content: 'x' }] },
    });
    // The next stream may start before the last one's end was read: the pool then opens a second connection, no more.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it('reads only a prefix of a huge error body and closes the connection', async () => {
    let written!: Promise<number>;
    handler = (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      written = pour(res, '{"error":{"message":"', 50 * 1024 * 1024);
    };
    const error = (await sut.complete('m', { messages: [] }, context()).catch((e: unknown) => e)) as BallastError;
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.upstream).toMatchObject({ status: 500 });
    expect(String(error.upstream?.body).length).toBeLessThan(600);
    expect(await written).toBeLessThan(10 * 1024 * 1024);
  });

  it('refuses an answer past maxAnswerBytes as UPSTREAM_BAD_RESPONSE and stops reading', async () => {
    let written!: Promise<number>;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      written = pour(res, '{"choices":[{"message":{"content":"', 50 * 1024 * 1024);
    };
    const error = (await sut.complete('m', { messages: [] }, context()).catch((e: unknown) => e)) as BallastError;
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect((error.cause as Error).message).toBe('answer larger than 262144 bytes');
    expect(await written).toBeLessThan(10 * 1024 * 1024);
  });

  it('refuses at once an answer whose Content-Length is past the limit', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-length': String(1024 * 1024 * 1024) }).write('{');
    expect(((await sut.complete('m', { messages: [] }, context()).catch((e: unknown) => e)) as BallastError).code).toBe(
      'UPSTREAM_BAD_RESPONSE',
    );
  });

  it.each([
    ['not JSON', '{"choices":[{"mess'],
    ['no choices', '{"id":"x"}'],
  ])('refuses an answer that is %s', async (_name, body) => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    expect(((await sut.complete('m', { messages: [] }, context()).catch((e: unknown) => e)) as BallastError).code).toBe(
      'UPSTREAM_BAD_RESPONSE',
    );
  });

  it('streams chunks until [DONE], asking for SSE', async () => {
    let accept: string | undefined;
    handler = (req, res) => {
      accept = req.headers.accept;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
      setTimeout(() => res.end('data: {"choices":[{"delta":{"content":"b"}}]}\n\ndata: [DONE]\n\n'), 10);
    };
    const seen: string[] = [];
    for await (const c of sut.stream('m', { messages: [] }, context())) {
      seen.push(c.choices[0].delta.content!);
    }
    expect(seen).toEqual(['a', 'b']);
    expect(accept).toBe('text/event-stream');
  });

  it('keeps the connection for the next stream after [DONE] (the body is read to its end, not destroyed)', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
      setTimeout(() => res.end('data: [DONE]\n\n'), 5);
    };
    sockets.clear();
    for (let i = 0; i < 6; i++) {
      const seen: string[] = [];
      for await (const c of sut.stream('m', { messages: [] }, context())) {
        seen.push(c.choices[0].delta.content!);
      }
      expect(seen).toEqual(['a']);
    }
    // The next stream may start before the last one's end was read: the pool then opens a second connection, no more.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it('translates a stream refused before it began', async () => {
    handler = (_req, res) =>
      res.writeHead(429, { 'retry-after': '999999', 'content-type': 'application/json' }).end('{"error":{"message":"slow down"}}');
    const error = (await (async () => {
      for await (const _ of sut.stream('m', { messages: [] }, context())) {
        // nothing arrives
      }
    })().catch((e: unknown) => e)) as BallastError;
    expect(error).toMatchObject({ code: 'MODEL_OVERLOADED', retryAfterSeconds: 60 });
  });

  it('gives up with the abort reason when the caller aborts a hung request', async () => {
    handler = () => undefined;
    const controller = new AbortController();
    const pending = sut.complete('m', { messages: [] }, context(controller.signal)).catch((e: unknown) => e);
    const reason = new BallastError('MODEL_TIMEOUT');
    setTimeout(() => controller.abort(reason), 20);
    expect(await pending).toBe(reason);
  });

  it('probes GET /models, and reports a refusing upstream as UPSTREAM_UNAVAILABLE', async () => {
    let url: string | undefined;
    handler = (req, res) => {
      url = req.url;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
    };
    await expect(sut.probe(new AbortController().signal)).resolves.toBeUndefined();
    expect(url).toBe('/v1/models');
    handler = (_req, res) => res.writeHead(503).end('down');
    await expect(sut.probe(new AbortController().signal)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('reports a refused connection as UPSTREAM_UNAVAILABLE', async () => {
    const nowhere = new OpenAiProvider(
      'q',
      { baseUrl: 'http://127.0.0.1:1/v1', limits },
      {
        metrics: new BallastMetrics({ defaultMetrics: false }),
        logger: pino({ level: 'silent' }),
      },
    );
    const error = (await nowhere.complete('m', { messages: [] }, context()).catch((e: unknown) => e)) as BallastError;
    await nowhere.close();
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
