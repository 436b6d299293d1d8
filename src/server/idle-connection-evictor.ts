import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Keeps room for new connections (a kubelet's probe among them) when many
 * are open: past `softLimit` open sockets, each new connection closes the
 * one idle the longest — connected without a request in progress, i.e.
 * still sending headers or kept alive between requests. Sockets serving a
 * request (streams included) are never closed. Node has only the hard
 * `maxConnections`, which refuses the newcomer, probes included; hence this.
 */
export function evictIdleConnections(server: Server, softLimit: number): { open(): number } {
  // A Set iterates in insertion order: the first entry is the one idle longest.
  const idle = new Set<Socket>();
  const counted = new WeakSet<Socket>();
  let open = 0;
  // Counted off at once when evicted: its 'close' comes later, and the next newcomer must not evict again for it.
  const forget = (socket: Socket) => {
    if (counted.delete(socket)) {
      open--;
    }
    idle.delete(socket);
  };
  // One listener function for every socket and response (`this` is the emitter), not a closure (and a once
  // wrapper) per connection and per request: they stay attached for as long as a stream is open.
  function onSocketClose(this: Socket): void {
    forget(this);
  }
  function onResponseClose(this: ServerResponse): void {
    const socket = this.req.socket;
    if (!socket.destroyed) {
      idle.add(socket);
    }
  }
  server.on('connection', (socket: Socket) => {
    open++;
    counted.add(socket);
    socket.on('close', onSocketClose);
    for (const oldest of idle) {
      if (open <= softLimit) {
        break;
      }
      forget(oldest);
      oldest.destroy();
    }
    idle.add(socket);
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    idle.delete(req.socket);
    res.on('close', onResponseClose);
  });
  return { open: () => open };
}
