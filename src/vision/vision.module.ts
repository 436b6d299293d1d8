import { Module } from '@nestjs/common';
import { UploadInterceptor } from './upload.interceptor';
import { VisionController } from './vision.controller';
import { VisionService } from './vision.service';

@Module({
  controllers: [VisionController],
  providers: [VisionService, UploadInterceptor],
})
export class VisionModule {}
