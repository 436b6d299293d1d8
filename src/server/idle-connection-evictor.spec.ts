import { once } from 'node:events';
import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { evictIdleConnections } from './idle-connection-evictor';

describe('evictIdleConnections', () => {
  let server: Server;
  let held: ServerResponse[];
  let serverSockets: Socket[];
  let clients: Socket[];

  beforeEach(async () => {
    held = [];
    serverSockets = [];
    clients = [];
    server = createServer((req, res) => {
      if (req.url === '/hold') {
        held.push(res);
        server.emit('held');
      } else {
        res.on('close', () => server.emit('answered'));
        res.setHeader('Content-Length', 2);
        res.end('ok');
      }
    });
    server.on('connection', (socket: Socket) => serverSockets.push(socket));
    server.listen(0);
    await once(server, 'listening');
  });

  afterEach(async () => {
    held.forEach((res) => res.end());
    clients.forEach((client) => client.destroy());
    await new Promise((resolve) => server.close(resolve));
  });

  async function open(): Promise<Socket> {
    const accepted = once(server, 'connection');
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    // Reading, so that a close from the server is seen.
    client.resume();
    clients.push(client);
    await Promise.all([once(client, 'connect'), accepted]);
    return client;
  }

  function send(client: Socket, path: string): void {
    client.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
  }

  it('closes the connection idle the longest, one back from a finished request included, never one serving a request', async () => {
    const evictor = evictIdleConnections(server, 2);
    const finished = await open();
    const answered = once(server, 'answered');
    send(finished, '/quick');
    await answered;
    // Its response closed: the connection is idle again, and now the one idle the longest.
    const busy = await open();
    const holding = once(server, 'held');
    send(busy, '/hold');
    await holding;

    const evicted = once(finished, 'close');
    await open();
    await evicted;

    expect(busy.destroyed).toBe(false);
    expect(evictor.open()).toBe(2);
  });

  it('counts a connection off when it closes', async () => {
    const evictor = evictIdleConnections(server, 10);
    const client = await open();
    await open();
    expect(evictor.open()).toBe(2);

    const closed = once(serverSockets[0], 'close');
    client.destroy();
    await closed;

    expect(evictor.open()).toBe(1);
  });
});
