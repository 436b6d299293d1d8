import { BallastError, toProblem } from '@ballast/errors';
import { acceptRequestId } from '@ballast/observability';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE } from './problem-response';

/**
 * Requests Node's parser refuses (bad header bytes, folded lines, oversized
 * headers) never reach Express; answer them in the same problem shape
 * instead of Node's bare "400 Bad Request".
 */
export function answerUnparseableRequests(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (error.code === 'ECONNRESET' && !socket.readable)) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const problem = toProblem(
      new BallastError(tooLarge ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED', {
        detail: tooLarge ? 'The request headers are larger than this server accepts.' : 'The request is not valid HTTP/1.1.',
      }),
      { requestId: acceptRequestId(undefined) },
    );
    const body = JSON.stringify(problem);
    socket.end(
      `HTTP/1.1 ${problem.status} ${tooLarge ? 'Payload Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
        `X-Request-Id: ${problem.request_id}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
