import { classifyError } from '@ballast/errors';
import type { HttpServer } from '@nestjs/common';

type FastifyErrorHandler = (error: unknown, request: unknown, reply: unknown) => void;

/**
 * Nest hands an error Fastify raised itself (FST_ERR_*) to the filters as a bare HttpException of its message and
 * status (RoutesResolver.mapExternalException), dropping the `code` that says what it was. The error handler Nest
 * registers with Fastify gets every error classified first (classify-error.ts maps Fastify's codes): Nest passes a
 * BallastError on as it is, and the ProblemFilter answers what actually went wrong. Call before app.init().
 */
export function classifyErrorsBeforeNest(adapter: HttpServer): void {
  const register = adapter.setErrorHandler?.bind(adapter);
  if (!register) {
    return;
  }
  adapter.setErrorHandler = (handler: FastifyErrorHandler, prefix?: string) =>
    register((error: unknown, request: unknown, reply: unknown) => handler(classifyError(error), request, reply), prefix);
}
