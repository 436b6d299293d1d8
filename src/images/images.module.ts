import { ImagePipeline } from '@ballast/imaging';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';

/** One image pipeline for every door an image comes in by: uploads, JSON bodies, chat data: URLs. */
@Global()
@Module({
  providers: [
    {
      provide: ImagePipeline,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new ImagePipeline({
          maxBytes: config.maxUploadBytes,
          maxPixels: config.maxImagePixels,
          maxSide: config.imageMaxSide,
          decodeConcurrency: config.limits.imageDecodeConcurrency,
        }),
    },
  ],
  exports: [ImagePipeline],
})
export class ImagesModule {}
