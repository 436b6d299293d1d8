import { once } from 'node:events';
import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { UpstreamClient, UpstreamResponse } from './upstream-client';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const PROMPT_CHARS = 32 * 2 ** 20;

describe('UpstreamClient, a long-lived request', () => {
  let server: Server;
  let client: UpstreamClient;
  let received: { headers: IncomingHttpHeaders; bytes: number; text: string };
  let open: ServerResponse[];

  beforeEach(async () => {
    open = [];
    server = createServer((req, res) => {
      // Counted, and kept only when small: this side must not hold a large body either.
      const small: Buffer[] = [];
      let bytes = 0;
      req.on('data', (part: Buffer) => {
        bytes += part.length;
        if (bytes < 1024) {
          small.push(part);
        }
      });
      req.on('end', () => {
        received = { headers: req.headers, bytes, text: bytes < 1024 ? Buffer.concat(small).toString() : '' };
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {}\n\n'); // and the stream stays open
        open.push(res);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    client = new UpstreamClient(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
      { provider: 'p', maxRetryAfterSeconds: 60 },
      1024,
    );
  });

  afterEach(async () => {
    open.forEach((res) => res.end());
    await client.close();
    server.close();
  });

  async function send(body: string): Promise<UpstreamResponse> {
    const response = await client.send({
      method: 'POST',
      path: '/chat/completions',
      headers: {},
      body,
      longLived: true,
      signal: new AbortController().signal,
    });
    // Let go of while still being sent (by the test, or the pool's close): the cut is expected here.
    response.body.on('error', () => undefined);
    return response;
  }

  /** Not async: a suspended frame here would hold the prompt in its registers. */
  function sendLargePrompt(): Promise<UpstreamResponse> {
    return send(JSON.stringify({ prompt: 'x'.repeat(PROMPT_CHARS) }));
  }

  it('sends its body whole, with its Content-Length, not chunked', async () => {
    const response = await send('{"prompt":"héllo"}');

    expect(received.text).toBe('{"prompt":"héllo"}');
    expect(received.headers['content-length']).toBe(String(Buffer.byteLength('{"prompt":"héllo"}')));
    expect(received.headers['transfer-encoding']).toBeUndefined();
    response.body.destroy();
  });

  it('does not hold its body while the response is read', async () => {
    const held = () => {
      gc();
      gc();
      // The string lives in the heap, its Buffer copy in an ArrayBuffer (`external` has the socket's own memory too).
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return heapUsed + arrayBuffers;
    };
    const before = held();
    const response = await sendLargePrompt();
    expect(received.bytes).toBeGreaterThan(PROMPT_CHARS);

    // Kept, the prompt would be here twice (the string, and its Buffer copy): 64 MB.
    expect(held() - before).toBeLessThan(PROMPT_CHARS / 2);
    response.body.destroy();
  });
});
