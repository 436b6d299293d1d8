import { BallastMetrics, ROOT_LOGGER, requestContext } from '@ballast/observability';
import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../config';
import { ApiProblemResponses, IMAGE_PROBLEMS, MODEL_CALL_PROBLEMS } from '../docs';
import type { AppConfig } from '../config';
import { ShutdownCoordinator } from '../shutdown';
import { ChatService } from './chat.service';
import { ChatCompletionRequestDto } from './dto/chat-completion-request.dto';
import { modelHeaders } from '../model-status/model-headers';
import { pipeStream } from './sse/pipe-stream';
import { SseResponse } from './sse/sse-response';

@ApiTags('chat')
@Controller('v1/chat')
export class ChatController {
  constructor(
    private readonly chat: ChatService,
    private readonly metrics: BallastMetrics,
    private readonly shutdown: ShutdownCoordinator,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('completions')
  @HttpCode(200)
  @ApiOperation({ summary: 'OpenAI Chat Completions; `stream: true` answers with server-sent events' })
  @ApiBody({ type: ChatCompletionRequestDto })
  @ApiOkResponse({ description: 'An OpenAI chat.completion, or text/event-stream of chat.completion.chunk events' })
  @ApiProblemResponses('VALIDATION_FAILED', ...IMAGE_PROBLEMS, ...MODEL_CALL_PROBLEMS)
  async create(@Body() dto: ChatCompletionRequestDto, @Res() res: Response): Promise<void> {
    if (!dto.stream) {
      const routed = await this.chat.complete(dto);
      res.set(modelHeaders(routed.served, routed.fallback)).json(routed.value);
      return;
    }
    // Before the first chunk, failures are ordinary problem responses (the filter); after it, error events.
    const routed = await this.chat.stream(dto);
    const sse = new SseResponse(res, requestContext.requestId() ?? '', this.config.sseKeepAliveMs);
    sse.open(modelHeaders(routed.served, routed.fallback));
    await pipeStream(routed, sse, {
      tracker: this.shutdown,
      clientWantsUsage: dto.stream_options?.include_usage === true,
      metrics: this.metrics,
      logger: this.logger,
    });
  }
}
