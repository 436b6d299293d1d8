/**
 * The practical limit for any gateway on this machine: a bare pass-through
 * proxy with node:http in and an undici keep-alive pool out, doing nothing
 * but copying the request and streaming the answer back. UPSTREAM=origin, PORT.
 */
import { createServer, IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream';
import { Agent, Dispatcher } from 'undici';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'proxy-connection', 'te', 'trailer']);

function passable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) {
      out[name] = value;
    }
  }
  return out;
}

const upstream = process.env.UPSTREAM ?? 'http://127.0.0.1:9000';
const agent = new Agent({ keepAliveTimeout: 4000, headersTimeout: 0, bodyTimeout: 0 });

const server = createServer((req, res) => {
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) {
      abort.abort();
    }
  });
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  agent
    .request({
      origin: upstream,
      path: req.url ?? '/',
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: passable(req.headers),
      body: hasBody ? req : undefined,
      signal: abort.signal,
    })
    .then(({ statusCode, headers, body }) => {
      res.writeHead(statusCode, passable(headers));
      pipeline(body, res, () => undefined);
    })
    .catch(() => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":{"message":"bad gateway"}}');
      } else {
        res.destroy();
      }
    });
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT ?? 8081), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void agent.destroy().then(() => process.exit(0));
});
