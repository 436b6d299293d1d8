import { ImagePipeline } from '@ballast/imaging';
import { CHAT_ROUTING, ChatRouting, ChatRequest, RoutedStream, Routed, ChatCompletion } from '@ballast/models';
import type { StreamOptions } from '@ballast/models';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';
import { ContextWindowCheck } from './context-window';
import { ChatCompletionRequestDto } from './dto/chat-completion-request.dto';
import { prepareImages } from './prepare-images';

/** A chat request made ready for the router: checked against the context window, images normalised. */
@Injectable()
export class ChatService {
  constructor(
    @Inject(CHAT_ROUTING) private readonly routing: ChatRouting,
    private readonly contextWindow: ContextWindowCheck,
    private readonly images: ImagePipeline,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async complete(dto: ChatCompletionRequestDto): Promise<Routed<ChatCompletion>> {
    return this.routing.complete(dto.model, await this.prepare(dto));
  }

  /** `options.signal` replaces the client's: a resumable stream's generation outlives its reader. */
  async stream(dto: ChatCompletionRequestDto, options: StreamOptions = {}): Promise<RoutedStream> {
    const request = await this.prepare(dto);
    // Always ask for usage so tokens are counted even for streams; the SSE layer hides it if the client did not ask.
    return this.routing.stream(dto.model, { ...request, stream_options: { ...dto.stream_options, include_usage: true } }, options);
  }

  private async prepare(dto: ChatCompletionRequestDto): Promise<ChatRequest> {
    const counting = this.contextWindow.assertFits(dto.model, dto.messages, dto.max_completion_tokens ?? dto.max_tokens ?? undefined);
    if (counting) {
      await counting;
    }
    const { model: _model, stream: _stream, ...passthrough } = dto;
    const messages = await prepareImages(dto.messages as unknown as Array<Record<string, unknown>>, this.images, {
      maxBytes: this.config.maxUploadBytes,
      maxImages: this.config.limits.chatMaxImages,
      maxPixelsTotal: this.config.limits.chatMaxImagePixelsTotal,
    });
    return { ...passthrough, messages } as unknown as ChatRequest;
  }
}
