import { BallastError, classifyError } from '@ballast/errors';
import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import multer from 'multer';
import { Observable } from 'rxjs';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';

/** Room for the multipart framing and the small text fields around the file. */
const MULTIPART_OVERHEAD = 256 * 1024;

/**
 * Multipart uploads, limited while receiving: a declared size over the limit
 * is refused before reading a byte, and a body that grows past it is cut
 * off (the connection is closed rather than drained).
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
      try {
        if (declared > this.config.maxUploadBytes + MULTIPART_OVERHEAD) {
          throw new BallastError('PAYLOAD_TOO_LARGE', { detail: `The upload is larger than ${this.config.maxUploadBytes} bytes.` });
        }
        await new Promise<void>((resolve, reject) => this.upload(req, res, (error?: unknown) => (error ? reject(error) : resolve())));
      } catch (error) {
        res.setHeader('Connection', 'close');
        throw classifyError(error);
      }
    }
    return next.handle();
  }
}
