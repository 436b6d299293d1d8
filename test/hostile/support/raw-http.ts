import { once } from 'node:events';
import { request } from 'node:http';
import { connect, Socket } from 'node:net';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  ms: number;
}

/** One request on its own connection; the body is read whole and parsed as JSON when it is JSON. */
export function send(port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          parsed = { text };
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, ms: performance.now() - started });
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** Writes raw bytes and collects everything the server sends until it closes the connection. */
export async function rawExchange(port: number, bytes: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(bytes);
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('utf8');
}

export interface IdleSocket {
  socket: Socket;
  closed: Promise<void>;
  /** What the server sent before closing, if anything. */
  answer(): string;
}

/** Opens `count` connections that never send a byte, 100 at a time (the listen backlog is finite). */
export async function openIdleSockets(port: number, count: number): Promise<IdleSocket[]> {
  const sockets: IdleSocket[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      const received: Buffer[] = [];
      // Reading is what lets the socket see the server's FIN and close.
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      sockets.push({
        socket,
        closed: new Promise<void>((resolve) => socket.once('close', () => resolve())),
        answer: () => Buffer.concat(received).toString('utf8'),
      });
      return Promise.race([once(socket, 'connect'), once(socket, 'close')]).catch(() => undefined);
    });
    await Promise.all(batch);
  }
  return sockets;
}
