import type { IncomingMessage, ServerResponse } from 'node:http';

/** A middleware on the raw Node request and response (what Fastify's onRequest hook hands on as `request.raw`). */
export type NextFunction = (error?: unknown) => void;
export type RawHandler = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => unknown;

/**
 * Several middlewares as one: each runs when the one before calls `next()`,
 * and the first error (passed on, thrown, or a rejected promise) goes to the
 * outer `next`. The steps run on the raw request and response from one
 * onRequest hook (configure-app.ts): one hook call does the whole edge,
 * instead of one hook (or middie layer) per step.
 */
export function inSeries(...handlers: RawHandler[]): RawHandler {
  return (req: IncomingMessage, res: ServerResponse, next: NextFunction): void => {
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
