import { Module } from '@nestjs/common';
import { ShutdownModule } from '../shutdown';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';
import { ModelsController } from './models.controller';
import { ResumableStreams } from './resume/resumable-streams';
import { StreamsController } from './streams.controller';

@Module({
  imports: [ShutdownModule],
  controllers: [ChatController, StreamsController, ModelsController],
  providers: [ChatService, ResumableStreams],
})
export class ChatModule {}
