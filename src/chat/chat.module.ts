import { Module } from '@nestjs/common';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';
import { ModelsController } from './models.controller';

@Module({
  controllers: [ChatController, ModelsController],
  providers: [ChatService],
})
export class ChatModule {}
