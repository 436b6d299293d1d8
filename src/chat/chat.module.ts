import { Module } from '@nestjs/common';
import { ShutdownModule } from '../shutdown';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';
import { ModelsController } from './models.controller';

@Module({
  imports: [ShutdownModule],
  controllers: [ChatController, ModelsController],
  providers: [ChatService],
})
export class ChatModule {}
