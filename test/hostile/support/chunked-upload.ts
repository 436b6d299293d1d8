import { once } from 'node:events';
import { connect } from 'node:net';

export interface ChunkedOutcome {
  /** Bytes of body written when the first response byte arrived. */
  sentWhenAnswered: number;
  response: string;
  closedByServer: boolean;
  ms: number;
}

/**
 * A multipart upload with no Content-Length, written chunk by chunk as fast
 * as the server reads until `stopWritingAt` bytes (or the server answers),
 * then left open: the body never ends, so an answer can only come from the
 * server giving up on it. Counting bytes written while also racing the
 * answer would measure the kernel's socket buffers, which autotune to tens
 * of megabytes on loopback.
 */
export async function chunkedUpload(port: number, headers: Record<string, string>, stopWritingAt: number): Promise<ChunkedOutcome> {
  const started = performance.now();
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  const head = Object.entries({
    Host: 'hostile',
    'Transfer-Encoding': 'chunked',
    'Content-Type': 'multipart/form-data; boundary=XX',
    ...headers,
  })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(`POST /v1/vision/ocr HTTP/1.1\r\n${head}\r\n`);
  const part = '--XX\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n';
  socket.write(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`);
  let sent = 0;
  let sentWhenAnswered = -1;
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => {
    if (sentWhenAnswered < 0) {
      sentWhenAnswered = sent;
    }
    chunks.push(chunk);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
  while (sent < stopWritingAt && sentWhenAnswered < 0 && !isClosed && socket.writable) {
    sent += chunk.length;
    if (!socket.write(frame)) {
      await Promise.race([once(socket, 'drain').catch(() => undefined), closed]);
    }
  }
  const closedByServer = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
  socket.destroy();
  return { sentWhenAnswered, response: Buffer.concat(chunks).toString('utf8'), closedByServer, ms: performance.now() - started };
}
