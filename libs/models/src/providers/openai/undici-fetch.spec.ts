import { APIConnectionError, APIUserAbortError, InternalServerError, RateLimitError } from 'openai';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postChat } from './post-chat';
import { createUndiciFetch, UndiciFetch } from './undici-fetch';

describe('createUndiciFetch and postChat', () => {
  let server: Server;
  let base: string;
  let sut: UndiciFetch;
  const seen: Array<{ method?: string; url?: string; headers: Record<string, unknown>; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (req.url === '/json') {
          res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }).end('{"ok":true}');
        } else if (req.url === '/sse') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: 1\n\n');
          setTimeout(() => res.end('data: 2\n\n'), 20);
        } else if (req.url === '/busy') {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' }).end('{"error":{"message":"slow down"}}');
        } else if (req.url === '/broken') {
          res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream exploded');
        }
        // '/never' is left unanswered.
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sut = createUndiciFetch();
  });

  afterAll(async () => {
    await sut.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends method, headers and body, and reads status, headers and JSON', async () => {
    const response = await sut.fetch(`${base}/json`, { method: 'post', headers: new Headers({ 'x-one': '1' }), body: '{"a":1}' });
    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(response.headers.get('missing')).toBeNull();
    expect(await response.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/json', body: '{"a":1}', headers: { 'x-one': '1' } });
  });

  it('gives a body that iterates chunk by chunk as they arrive', async () => {
    const response = await sut.fetch(`${base}/sse`);
    const chunks: string[] = [];
    for await (const chunk of response.body as unknown as AsyncIterable<Buffer>) {
      chunks.push(chunk.toString());
    }
    expect(chunks).toEqual(['data: 1\n\n', 'data: 2\n\n']);
  });

  it('shapes an error status as the SDK does, headers and body included', async () => {
    const signal = new AbortController().signal;
    const busy = await postChat(sut.fetch, `${base}/busy`, {}, '{}', signal).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(RateLimitError);
    expect((busy as RateLimitError).headers?.get('retry-after')).toBe('3');
    expect((busy as RateLimitError).error).toEqual({ message: 'slow down' });
    const broken = await postChat(sut.fetch, `${base}/broken`, {}, '{}', signal).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(InternalServerError);
    expect((broken as InternalServerError).message).toContain('upstream exploded');
  });

  it('shapes a refused connection and an abort as the SDK does', async () => {
    const refused = await postChat(sut.fetch, 'http://127.0.0.1:1/v1/chat/completions', {}, '{}', new AbortController().signal).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(APIConnectionError);
    const abort = new AbortController();
    const pending = postChat(sut.fetch, `${base}/never`, {}, '{}', abort.signal).catch((e: unknown) => e);
    setTimeout(() => abort.abort(), 20);
    expect(await pending).toBeInstanceOf(APIUserAbortError);
  });
});
