import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Several middlewares as one: each runs when the one before calls `next()`,
 * and the first error (passed on, thrown, or a rejected promise) goes to the
 * outer `next` as Express would pass it. Why not one `app.use` each: every
 * Express layer is matched, dispatched and given a params object on every
 * request (~1 KB and a router step each), and the edge's fixed sequence needs
 * none of that between its steps.
 */
export function inSeries(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined || index === handlers.length) {
        next(error);
        return;
      }
      const handler = handlers[index++];
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) {
          result.catch((rejection: unknown) => step(rejection ?? new Error('middleware rejected')));
        }
      } catch (thrown) {
        step(thrown);
      }
    };
    step();
  };
}
