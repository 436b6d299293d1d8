import { AsyncResource } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';

/**
 * A scope made at start-up, outside every request: what runs in it sees no request's store, in any
 * AsyncLocalStorage (ours and OpenTelemetry's alike).
 */
const outsideEveryRequest = new AsyncResource('ballast.idle-socket');

/**
 * Node arms a kept-alive socket's idle timer (server.keepAliveTimeout) as the response finishes, from
 * inside the request's async context, and a timer keeps the AsyncLocalStorage stores current when it
 * was made. So every idle connection held its last request's context (its abort signal with whatever
 * listeners were left on it, its timings) until the connection's next request or its close: ~1.2 KB
 * per idle connection measured with the chat path's context, more for a request that leaves more on
 * its signal. Re-arming the same timeout, with the same value, from a scope outside every request
 * leaves the old timer to the collector and the new one holding nothing of the request.
 */
export function releaseIdleSocket(req: IncomingMessage): void {
  const socket = req.socket;
  // `timeout` is what Node just set: the keep-alive timeout between requests, 0 or undefined when none is armed
  // (a pipelined request already in progress, a connection that closes).
  const ms = socket?.timeout;
  if (!ms || socket.destroyed) {
    return;
  }
  outsideEveryRequest.runInAsyncScope(() => socket.setTimeout(ms));
}
