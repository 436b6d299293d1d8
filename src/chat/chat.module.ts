import { Module } from '@nestjs/common';
import { ShutdownModule } from '../shutdown';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';
import { ContextWindowCheck, TokenizerThread } from './context-window';
import { ModelsController } from './models.controller';
import { ResumableStreams } from './resume/resumable-streams';
import { StreamsController } from './streams.controller';

@Module({
  imports: [ShutdownModule],
  controllers: [ChatController, StreamsController, ModelsController],
  providers: [ChatService, ContextWindowCheck, TokenizerThread, ResumableStreams],
})
export class ChatModule {}
