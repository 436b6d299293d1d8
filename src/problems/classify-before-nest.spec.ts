import { BallastError } from '@ballast/errors';
import type { HttpServer } from '@nestjs/common';
import { classifyErrorsBeforeNest } from './classify-before-nest';

type Handler = (error: unknown, request: unknown, reply: unknown) => void;

describe('classifyErrorsBeforeNest', () => {
  it('hands the handler Nest registers a taxonomy error in place of a FastifyError', () => {
    let registered: Handler | undefined;
    const adapter = { setErrorHandler: (handler: Handler) => (registered = handler) } as unknown as HttpServer;
    classifyErrorsBeforeNest(adapter);
    const nest = jest.fn<void, Parameters<Handler>>();
    adapter.setErrorHandler!(nest);
    const fastifyError = Object.assign(new Error("'/%E0%A4%A' is not a valid url component"), {
      name: 'FastifyError',
      code: 'FST_ERR_BAD_URL',
      statusCode: 400,
    });
    registered!(fastifyError, 'request', 'reply');
    const [error, request, reply] = nest.mock.calls[0];
    expect(error).toBeInstanceOf(BallastError);
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      detail: 'The request path is not valid percent-encoding.',
      cause: fastifyError,
    });
    expect([request, reply]).toEqual(['request', 'reply']);
  });
});
