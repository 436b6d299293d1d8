import type { Server, ServerOptions } from 'node:http';
import type { ServerSettings } from '../config';
import { evictIdleConnections } from './idle-connection-evictor';
import { openFilesLimit } from './open-files-limit';

type NodeServerOptions = Pick<ServerOptions, 'connectionsCheckingInterval' | 'requireHostHeader'>;

/** File descriptors kept for what is not a client connection: upstream sockets, Redis, logs, libraries. */
const RESERVED_FDS = 512;

export interface EffectiveServerLimits {
  maxConnections: number;
  /** Past this many open sockets, the one idle the longest is closed for each newcomer. */
  evictIdleAbove: number;
}

export function effectiveServerLimits(settings: ServerSettings, fdLimit = openFilesLimit()): EffectiveServerLimits {
  const maxConnections =
    fdLimit === undefined ? settings.maxConnections : Math.max(16, Math.min(settings.maxConnections, fdLimit - RESERVED_FDS));
  return { maxConnections, evictIdleAbove: Math.floor(maxConnections * 0.9) };
}

/**
 * The socket limits of the HTTP server, set deliberately rather than left to
 * Node's defaults: a connection must send its headers within
 * HEADERS_TIMEOUT_MS and its whole request within BODY_TIMEOUT_MS (else 408
 * and closed, see the client-error handler); kept-alive sockets idle for
 * KEEP_ALIVE_TIMEOUT_MS (above the usual 60 s of load balancers, so they
 * close first and never reuse a socket we closed); at most MAX_CONNECTIONS
 * open, below the file-descriptor limit, with idle ones closed first.
 * Call before `listen`.
 */
export function applyServerLimits(server: Server, settings: ServerSettings): EffectiveServerLimits {
  const limits = effectiveServerLimits(settings);
  server.headersTimeout = settings.headersTimeoutMs;
  server.requestTimeout = Math.max(settings.bodyTimeoutMs, settings.headersTimeoutMs);
  server.keepAliveTimeout = settings.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // Options of http.createServer that Nest does not pass; Node reads them from the server when it listens and per request.
  Object.assign(server as Server & NodeServerOptions, {
    // How often Node looks for connections past those timeouts (30 s by default: too coarse for a 20 s limit).
    connectionsCheckingInterval: Math.min(1000, settings.headersTimeoutMs),
    // Requests without Host get a problem response with a request id (see requireHost), not Node's bare 400.
    requireHostHeader: false,
  });
  evictIdleConnections(server, limits.evictIdleAbove);
  return limits;
}
