import { once } from 'node:events';
import { Agent, createServer, get, IncomingMessage, Server } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { BallastMetrics } from './ballast-metrics';
import { requestContext } from './request-context';
import { requestLifecycle } from './request-lifecycle.middleware';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('an idle kept-alive connection', () => {
  let server: Server;
  let agent: Agent;
  let origin: string;
  let contexts: WeakRef<object>[];
  let closed: Promise<unknown>[];
  let sockets: Socket[];

  beforeEach(async () => {
    contexts = [];
    closed = [];
    sockets = [];
    const lifecycle = requestLifecycle(pino({ level: 'silent' }), new BallastMetrics());
    server = createServer((req, res) => {
      closed.push(once(res, 'close'));
      lifecycle(req, res, () => {
        const context = requestContext.current();
        contexts.push(new WeakRef(context!));
        // A listener left on the request's signal, as a stream leaves them: kept as long as the context is.
        context!.client.signal.addEventListener('abort', () => Buffer.alloc(1024 * 1024).length);
        // Node's Date-header cache arms its once-a-second reset from whichever response needs it first, holding
        // that one request's context for up to a second: bounded, and not what this spec is about.
        res.sendDate = false;
        res.end('ok');
      });
    });
    server.on('connection', (socket: Socket) => sockets.push(socket));
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // node:http's client, not undici's: undici's own timers would be made inside the server's callbacks here.
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
  });

  afterEach(() => {
    agent.destroy();
    server.close();
  });

  async function fetchOk(): Promise<void> {
    const [response] = (await once(get(`${origin}/`, { agent }), 'response')) as [IncomingMessage];
    response.resume();
    await once(response, 'end');
    expect(response.statusCode).toBe(200);
  }

  it("does not hold its last request's context while it waits for the next", async () => {
    await fetchOk();
    await Promise.all(closed);
    // WeakRefs hold their target to the end of the turn they were read in: collect on a later one.
    await nextTurn();
    gc();
    await nextTurn();
    expect(contexts).toHaveLength(1);
    expect(contexts[0].deref()).toBeUndefined();
    // and the connection is still there for the next request
    await fetchOk();
    expect(sockets).toHaveLength(1);
  });

  it('is still closed by the server once the keep-alive timeout passes', async () => {
    server.keepAliveTimeout = 300;
    // A bare socket: a client that never closes by itself (an HTTP agent would act on the Keep-Alive hint).
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    let answer = '';
    client.on('data', (part: Buffer) => (answer += part.toString()));
    await once(client, 'end');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
    client.destroy();
  });
});
