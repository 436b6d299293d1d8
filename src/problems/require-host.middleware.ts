import { BallastError } from '@ballast/errors';
import type { NextFunction, Request, Response } from 'express';

/**
 * HTTP/1.1 requires a Host header (RFC 9112 §3.2). Node would refuse its
 * absence itself with a bare 400 (the server is told not to, see
 * applyServerLimits), so it is refused here: a problem with a request id,
 * logged like every request.
 */
export function requireHost() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && !req.headers.host) {
      next(new BallastError('VALIDATION_FAILED', { detail: 'HTTP/1.1 requests must carry a Host header.' }));
      return;
    }
    next();
  };
}
