import { createServer, connect, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CuttingProxy {
  /** http://127.0.0.1:PORT, forwarding to the target. */
  url: string;
  /** The next SSE response through the proxy is cut (both sockets destroyed) right after its n-th event. */
  cutNextStreamAfterEvents(n: number): void;
  /** Resolves when a planned cut has happened. */
  cut: () => Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback that breaks a stream between a client and Ballast
 * the way a real network does: the connection is destroyed mid-response,
 * after a chosen number of complete SSE events, with no error event sent.
 */
export async function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  const sockets = new Set<Socket>();
  let plan: number | undefined;
  let cutDone: () => void = () => undefined;
  let cutPromise = Promise.resolve();

  const server = createServer((client) => {
    const target = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(target);
    client.once('close', () => sockets.delete(client) && target.destroy());
    target.once('close', () => sockets.delete(target) && client.destroy());
    client.on('error', () => target.destroy());
    target.on('error', () => client.destroy());
    client.pipe(target);
    let remaining: number | undefined;
    let inBody = false;
    let carry = '';
    target.on('data', (buf: Buffer) => {
      // Only a response whose own headers say SSE (a script that merely names the type must not take the plan).
      if (remaining === undefined && plan !== undefined && isSseResponseHead(buf)) {
        remaining = plan;
        plan = undefined;
      }
      if (remaining === undefined) {
        client.write(buf);
        return;
      }
      const text = buf.toString('latin1');
      let at = 0;
      if (!inBody) {
        const headersEnd = text.indexOf('\r\n\r\n');
        if (headersEnd < 0) {
          client.write(buf);
          return;
        }
        inBody = true;
        at = headersEnd + 4;
      }
      // An event's blank line may straddle two TCP reads: search the body carried over from the last read too.
      const combined = carry + text.slice(at);
      let scanned = 0;
      let cutAt = at;
      while (remaining > 0) {
        const end = combined.indexOf('\n\n', scanned);
        if (end < 0) {
          break;
        }
        scanned = end + 2;
        cutAt = at + scanned - carry.length;
        remaining--;
      }
      if (remaining > 0) {
        carry = combined.slice(scanned);
        client.write(buf);
        return;
      }
      client.end(buf.subarray(0, cutAt), () => {
        client.destroy();
        target.destroy();
        cutDone();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cutNextStreamAfterEvents(n) {
      plan = n;
      cutPromise = new Promise((resolve) => (cutDone = resolve));
    },
    cut: () => cutPromise,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

/** The start of an HTTP response whose Content-Type header is text/event-stream. */
function isSseResponseHead(buf: Buffer): boolean {
  const text = buf.toString('latin1');
  if (!text.startsWith('HTTP/1.')) {
    return false;
  }
  const end = text.indexOf('\r\n\r\n');
  return /\r\ncontent-type:\s*text\/event-stream/i.test(end < 0 ? text : text.slice(0, end));
}
