import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { BallastError } from './ballast-error';
import { classifyError } from './classify-error';
import { toProblem } from './problem';

describe('classifyError', () => {
  it('keeps a BallastError as it is', () => {
    const error = new BallastError('MODEL_TIMEOUT');
    expect(classifyError(error)).toBe(error);
  });

  it.each([
    ['entity.parse.failed', 400, 'VALIDATION_FAILED'],
    ['entity.too.large', 413, 'PAYLOAD_TOO_LARGE'],
    ['encoding.unsupported', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['charset.unsupported', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['request.aborted', 400, 'VALIDATION_FAILED'],
  ])('maps a body-parser %s error', (type, status, code) => {
    const foreign = Object.assign(new Error('raw parser text at /srv/app'), { type, status });
    const sut = classifyError(foreign);
    expect(sut.code).toBe(code);
    expect(sut.detail).not.toContain('/srv/app');
    expect(sut.cause).toBe(foreign);
  });

  it('says the limit a too large body passed, when the error knows it', () => {
    const foreign = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', limit: 1024 });
    expect(classifyError(foreign).detail).toBe('The request body is larger than the 1024 bytes this server accepts.');
  });

  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than this server accepts.'],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'VALIDATION_FAILED', 'The request body is shorter or longer than its Content-Length says.'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'VALIDATION_FAILED', 'The request body is not valid JSON.'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'UNSUPPORTED_MEDIA_TYPE', 'The Content-Type header is not a valid media type.'],
    ['FST_ERR_BAD_URL', 400, 'VALIDATION_FAILED', 'The request path is not valid percent-encoding.'],
  ])('maps Fastify %s as body-parser and Express answered it', (code, statusCode, taxonomyCode, detail) => {
    const foreign = Object.assign(new Error('fastify text'), { name: 'FastifyError', code, statusCode });
    const sut = classifyError(foreign);
    expect(sut).toMatchObject({ code: taxonomyCode, detail });
    expect(sut.cause).toBe(foreign);
  });

  it('maps a Fastify error it has no row for by its status', () => {
    const foreign = Object.assign(new Error('fastify text'), { name: 'FastifyError', code: 'FST_ERR_SOMETHING_NEW', statusCode: 404 });
    expect(classifyError(foreign).code).toBe('NOT_FOUND');
  });

  it('reads no row from the prototype', () => {
    expect(classifyError(Object.assign(new Error('x'), { type: 'constructor', status: 400 })).code).toBe('VALIDATION_FAILED');
  });

  it('maps multer limits', () => {
    const foreign = Object.assign(new Error('File too large'), { name: 'MulterError', code: 'LIMIT_FILE_SIZE' });
    expect(classifyError(foreign).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([
    [new NotFoundException('Cannot GET /x'), 'NOT_FOUND'],
    [new BadRequestException('Unexpected token'), 'VALIDATION_FAILED'],
    [new PayloadTooLargeException(), 'PAYLOAD_TOO_LARGE'],
  ])('maps Nest exception %#', (thrown, code) => {
    expect(classifyError(thrown).code).toBe(code);
  });

  it.each([[new Error('boom')], ['a string'], [42], [null], [undefined], [{ weird: true }], [Symbol('s')]])(
    'turns anything else (%p) into INTERNAL_ERROR with the original as cause',
    (thrown) => {
      const sut = classifyError(thrown);
      expect(sut.code).toBe('INTERNAL_ERROR');
      expect(sut.cause).toBe(thrown);
    },
  );

  it('never lets a foreign message into the problem body', () => {
    const problem = toProblem(classifyError(new Error('[address=0.0.0.0:28264, pid=8336] Model not found')), { requestId: 'r1' });
    expect(JSON.stringify(problem)).not.toMatch(/28264|pid|address/);
    expect(problem).toMatchObject({ code: 'INTERNAL_ERROR', status: 500, request_id: 'r1', retryable: false });
  });
});
