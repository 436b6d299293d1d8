import { BallastError, ErrorCode, toProblem } from '@ballast/errors';
import { acceptRequestId } from '@ballast/observability';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { PROBLEM_CONTENT_TYPE } from './problem-response';

/** How long a refused socket may take to flush its answer before it is destroyed anyway. */
const FLUSH_GRACE_MS = 1000;

const REASON: Partial<Record<ErrorCode, string>> = {
  PAYLOAD_TOO_LARGE: 'Payload Too Large',
  REQUEST_TIMEOUT: 'Request Timeout',
};

function refusal(error: NodeJS.ErrnoException): BallastError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new BallastError('PAYLOAD_TOO_LARGE', { detail: 'The request headers are larger than this server accepts.' });
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new BallastError('REQUEST_TIMEOUT', { detail: 'The request headers or body did not arrive in time.' });
  }
  return new BallastError('VALIDATION_FAILED', { detail: 'The request is not valid HTTP/1.1.' });
}

/**
 * Requests Node's parser refuses (bad header bytes, folded lines, oversized
 * headers) or gives up on (headers or body not in time) never reach Fastify;
 * answer them in the same problem shape instead of Node's bare "400 Bad
 * Request", log one line, and destroy the socket: a half-closed one kept
 * open pins a file descriptor for as long as the peer likes.
 */
export function answerUnparseableRequests(server: Server, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (error.code === 'ECONNRESET' && !socket.readable)) {
      socket.destroy();
      return;
    }
    const refused = refusal(error);
    const problem = toProblem(refused, { requestId: acceptRequestId(undefined) });
    logger.info(
      { request_id: problem.request_id, status: problem.status, code: problem.code, parser_error: error.code },
      `request refused by the HTTP parser: ${problem.code}`,
    );
    const body = JSON.stringify(problem);
    socket.end(
      `HTTP/1.1 ${problem.status} ${REASON[refused.code] ?? 'Bad Request'}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
        `X-Request-Id: ${problem.request_id}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
      () => socket.destroy(),
    );
    const timer = setTimeout(() => socket.destroy(), FLUSH_GRACE_MS).unref();
    socket.once('close', () => clearTimeout(timer));
  });
}
