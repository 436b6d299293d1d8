import type { IncomingMessage, ServerResponse } from 'node:http';
import { inSeries, NextFunction, RawHandler } from './in-series';

const req = {} as IncomingMessage;
const res = {} as ServerResponse;

/** What the outer next was called with: 'done' for nothing, else the error. */
function run(handler: RawHandler): Promise<unknown> {
  return new Promise((resolve) => {
    handler(req, res, ((error?: unknown) => resolve(error === undefined ? 'done' : error)) as NextFunction);
  });
}

describe('inSeries', () => {
  it('runs each middleware in turn, then the outer next', async () => {
    const order: string[] = [];
    const step =
      (name: string): RawHandler =>
      (_req, _res, next) => {
        order.push(name);
        next();
      };
    await expect(run(inSeries(step('a'), step('b'), step('c')))).resolves.toBe('done');
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('waits for a middleware that calls next later', async () => {
    const order: string[] = [];
    const later: RawHandler = (_req, _res, next) => {
      setImmediate(() => {
        order.push('later');
        next();
      });
    };
    const after: RawHandler = (_req, _res, next) => {
      order.push('after');
      next();
    };
    await run(inSeries(later, after));
    expect(order).toEqual(['later', 'after']);
  });

  it('stops at the first error passed on, thrown or rejected, and hands it to the outer next', async () => {
    const never = jest.fn<void, Parameters<RawHandler>>();
    const failure = new Error('refused');
    await expect(run(inSeries((_q, _s, next) => next(failure), never))).resolves.toBe(failure);
    await expect(
      run(
        inSeries(() => {
          throw failure;
        }, never),
      ),
    ).resolves.toBe(failure);
    await expect(run(inSeries((() => Promise.reject(failure)) as unknown as RawHandler, never))).resolves.toBe(failure);
    expect(never).not.toHaveBeenCalled();
  });

  it('with no middlewares, calls the outer next at once', async () => {
    await expect(run(inSeries())).resolves.toBe('done');
  });
});
