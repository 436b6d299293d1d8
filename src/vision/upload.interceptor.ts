import { BallastError } from '@ballast/errors';
import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import multer from 'multer';
import { Observable } from 'rxjs';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';
import { translateUploadError } from './multipart-errors';

/** Room for the multipart framing and the small text fields around the file. */
const MULTIPART_OVERHEAD = 256 * 1024;

/**
 * Multipart uploads, limited while receiving: a declared size over the limit
 * is refused before reading a byte, and a body that grows past it (chunked,
 * or longer than declared) is refused the moment it does, and the connection
 * closed rather than drained. multer's own file-size limit cannot do that: it
 * stops parsing but answers only once the whole body has arrived.
 */
@Injectable()
export class UploadInterceptor implements NestInterceptor {
  private readonly upload: ReturnType<multer.Multer['single']>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.upload = multer({
      storage: multer.memoryStorage(),
      limits: { fileSize: config.maxUploadBytes, files: 1, fields: 8, fieldSize: 64 * 1024, parts: 10 },
    }).single('image');
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    if (req.is('multipart/form-data')) {
      const declared = Number(req.headers['content-length']);
      const tooLarge = () =>
        new BallastError('PAYLOAD_TOO_LARGE', { detail: `The upload is larger than ${this.config.maxUploadBytes} bytes.` });
      try {
        if (declared > this.config.maxUploadBytes + MULTIPART_OVERHEAD) {
          throw tooLarge();
        }
        await new Promise<void>((resolve, reject) => {
          let received = 0;
          const count = (chunk: Buffer) => {
            received += chunk.length;
            if (received > this.config.maxUploadBytes + MULTIPART_OVERHEAD) {
              req.off('data', count);
              req.unpipe();
              reject(tooLarge());
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
      } catch (error) {
        res.setHeader('Connection', 'close');
        throw translateUploadError(error);
      }
    }
    return next.handle();
  }
}
