import { BallastError } from '@ballast/errors';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction } from '../server/in-series';

/**
 * HTTP/1.1 requires a Host header (RFC 9112 §3.2). Node would refuse its
 * absence itself with a bare 400 (the server is told not to, see
 * applyServerLimits), so it is refused here: a problem with a request id,
 * logged like every request.
 */
export function requireHost() {
  return (req: IncomingMessage, _res: ServerResponse, next: NextFunction): void => {
    if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && !req.headers.host) {
      next(new BallastError('VALIDATION_FAILED', { detail: 'HTTP/1.1 requests must carry a Host header.' }));
      return;
    }
    next();
  };
}
