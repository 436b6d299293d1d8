/** Small node:http helpers: read a body, answer, wait while watching for the client leaving, kill a connection. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

const killed = new WeakSet<ServerResponse>();

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) {
        reject(new Error('the client left before sending the whole body'));
      }
    });
  });
}

/** The parsed JSON, or undefined when the text is empty or not JSON. */
export function parseJson(text: string): unknown {
  if (text.length === 0) {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function send(res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = JSON_HEADERS): void {
  if (status === 204 || status === 304) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) }).end(body);
}

export const JSON_HEADERS: OutgoingHttpHeaders = { 'content-type': 'application/json' };

/** Resolves true after `ms`, or false as soon as the response closes (the client left, or the server shut it). */
export function pause(res: ServerResponse, ms: number): Promise<boolean> {
  if (res.destroyed) {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

/** Writes, honouring backpressure: resolves true when more may be written, false when the response closed. */
export function write(res: ServerResponse, chunk: string): Promise<boolean> | boolean {
  if (res.destroyed) {
    return false;
  }
  if (res.write(chunk)) {
    return true;
  }
  return new Promise((resolve) => {
    const done = (ok: boolean) => (): void => {
      res.off('drain', onDrain).off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.once('drain', onDrain).once('close', onClose);
  });
}

/** Closes the connection after what was written has reached the kernel (the client sees a body cut short). */
export function dropConnection(res: ServerResponse): void {
  const socket = res.socket;
  killed.add(res);
  if (!socket || socket.destroyed) {
    return;
  }
  if (!res.headersSent) {
    res.flushHeaders();
  }
  socket.write('', () => socket.destroy());
}

/** Aborts the connection with a TCP RST, answering nothing (ECONNRESET for the client). */
export function resetConnection(res: ServerResponse): void {
  killed.add(res);
  res.socket?.resetAndDestroy();
}

/** True when this server cut the connection on purpose (not the client leaving). */
export function killedByServer(res: ServerResponse): boolean {
  return killed.has(res);
}
