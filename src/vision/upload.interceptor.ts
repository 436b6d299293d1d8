import { BallastError } from '@ballast/errors';
import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import multer from 'multer';
import { Observable } from 'rxjs';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';
import { translateUploadError } from './multipart-errors';

/** Room for the multipart framing and the small text fields around the file. */
const MULTIPART_OVERHEAD = 256 * 1024;

/** What multer's `single()` leaves on the request it read. */
interface MulterResult {
  body?: Record<string, unknown>;
  file?: Express.Multer.File;
}

/**
 * multer's middleware as it is, not as its Express typings say: it reads only the Node request (headers, pipe),
 * never the response, and puts `body` and `file` on that request.
 */
type RawUpload = (req: IncomingMessage & MulterResult, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Multipart uploads, limited while receiving: a declared size over the limit
 * is refused before reading a byte, and a body that grows past it (chunked,
 * or longer than declared) is refused the moment it does, and the connection
 * closed rather than drained. multer's own file-size limit cannot do that: it
 * stops parsing but answers only once the whole body has arrived.
 *
 * Fastify leaves a multipart body unread (configure-app's pass-through parser), so
 * multer reads it here, after the guards: an unauthenticated upload is never received.
 */
@Injectable()
export class UploadInterceptor implements NestInterceptor {
  private readonly upload: RawUpload;
  private readonly receiveLimit: number;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.upload = multer({
      storage: multer.memoryStorage(),
      limits: { fileSize: config.maxUploadBytes, files: 1, fields: 8, fieldSize: 64 * 1024, parts: 10 },
    }).single('image') as unknown as RawUpload;
    this.receiveLimit = config.maxUploadBytes + MULTIPART_OVERHEAD;
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & MulterResult>();
    if (isMultipartFormData(request.headers['content-type'])) {
      await this.receive(request, http.getResponse<FastifyReply>().raw);
    }
    return next.handle();
  }

  /** Reads the upload off the raw request; @Body() and @UploadedFile() read the FastifyRequest, so it goes there. */
  private async receive(request: FastifyRequest & MulterResult, res: ServerResponse): Promise<void> {
    const raw: IncomingMessage & MulterResult = request.raw;
    try {
      if (Number(request.headers['content-length']) > this.receiveLimit) {
        throw this.tooLarge();
      }
      await this.readWithinLimit(raw, res);
    } catch (error) {
      // The rest of the body is not drained: problems are written on the raw response, so the header goes there.
      res.setHeader('Connection', 'close');
      throw translateUploadError(error);
    }
    request.body = raw.body;
    request.file = raw.file;
  }

  private readWithinLimit(req: IncomingMessage & MulterResult, res: ServerResponse): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let received = 0;
      const count = (chunk: Buffer) => {
        received += chunk.length;
        if (received > this.receiveLimit) {
          req.off('data', count);
          req.unpipe();
          reject(this.tooLarge());
        }
      };
      req.on('data', count);
      this.upload(req, res, (error?: unknown) => {
        req.off('data', count);
        if (error) {
          reject(error);
        } else {
          resolve();
        }
      });
    });
  }

  private tooLarge(): BallastError {
    return new BallastError('PAYLOAD_TOO_LARGE', { detail: `The upload is larger than ${this.config.maxUploadBytes} bytes.` });
  }
}

/** The one body type Fastify hands over unread (configure-app), matched as its parser lookup does: by media type. */
function isMultipartFormData(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0].trim().toLowerCase() === 'multipart/form-data';
}
