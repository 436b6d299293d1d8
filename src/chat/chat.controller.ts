import { answerJson, type RoutedStream } from '@ballast/models';
import { BallastMetrics, ROOT_LOGGER, requestContext } from '@ballast/observability';
import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { apiClientOf } from '../auth';
import { APP_CONFIG } from '../config';
import { ApiProblemResponses, IMAGE_PROBLEMS, MODEL_CALL_PROBLEMS } from '../docs';
import type { AppConfig } from '../config';
import { ShutdownCoordinator } from '../shutdown';
import { ChatService } from './chat.service';
import { ChatCompletionRequestDto } from './dto/chat-completion-request.dto';
import { modelHeaders } from '../model-status/model-headers';
import { ResumableStreams } from './resume/resumable-streams';
import { parseLastEventId } from './resume/stream-cursor';
import { streamOwner } from './resume/stream-owner';
import { PipeOptions, pipeStream } from './sse/pipe-stream';
import type { SseSink } from './sse/sse-sink';
import { SseResponse } from './sse/sse-response';

@ApiTags('chat')
@Controller('v1/chat')
export class ChatController {
  /** Without and with the client's usage: the same objects for every stream (one per stream stayed while it was open). */
  private readonly pipeOptions: PipeOptions[];

  constructor(
    private readonly chat: ChatService,
    private readonly streams: ResumableStreams,
    private readonly metrics: BallastMetrics,
    private readonly shutdown: ShutdownCoordinator,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.pipeOptions = [false, true].map((clientWantsUsage) => ({ tracker: shutdown, clientWantsUsage, metrics, logger }));
  }

  @Post('completions')
  @HttpCode(200)
  @ApiOperation({ summary: 'OpenAI Chat Completions; `stream: true` answers with server-sent events' })
  @ApiBody({ type: ChatCompletionRequestDto })
  @ApiHeader({
    name: 'X-Ballast-Resumable',
    required: false,
    description: '`true`: keep the stream in the replay buffer so it can be resumed',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'With `stream: true`: resume that stream after this event instead of generating',
  })
  @ApiOkResponse({ description: 'An OpenAI chat.completion, or text/event-stream of chat.completion.chunk events' })
  @ApiProblemResponses('VALIDATION_FAILED', ...IMAGE_PROBLEMS, ...MODEL_CALL_PROBLEMS, 'STREAM_NOT_FOUND')
  // The two headers are read off req, not as @Headers() parameters: Nest resolves each parameter through its own
  // promises on every request, and only a stream reads them.
  create(@Body() dto: ChatCompletionRequestDto, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Answered on the raw response. Hijacked, so that Fastify neither sends an empty reply when the handler's promise
    // resolves before a stream's first write, nor runs its send path (content-type parse, onSend hooks) for an
    // answer that is already a string.
    reply.hijack();
    // Not async itself: each branch is its own, so that a plain answer's suspended frame holds only its own locals.
    return dto.stream ? this.streamedAnswer(dto, req, reply.raw) : this.plainAnswer(dto, reply.raw);
  }

  private async plainAnswer(dto: ChatCompletionRequestDto, res: ServerResponse): Promise<void> {
    const routed = await this.chat.complete(dto);
    // The upstream's own bytes where nothing was rewritten: no second JSON.stringify.
    const body = answerJson.of(routed.value) ?? JSON.stringify(routed.value);
    res.statusCode = 200;
    const headers = modelHeaders(routed.served, routed.fallback);
    for (const name in headers) {
      res.setHeader(name, headers[name]);
    }
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  }

  private async streamedAnswer(dto: ChatCompletionRequestDto, req: FastifyRequest, res: ServerResponse): Promise<void> {
    const context = requestContext.current();
    const requestId = context?.requestId ?? '';
    const client = context?.client.signal ?? new AbortController().signal;
    const owner = streamOwner(apiClientOf(req));
    const lastEventId = headerOf(req, 'last-event-id');
    if (lastEventId) {
      // A resume never generates: the same request again, answered from the replay buffer.
      const cursor = parseLastEventId(lastEventId);
      const meta = await this.streams.resumable(cursor.requestId, cursor.after, owner);
      return this.streams.follow(cursor.requestId, cursor.after, meta, client, res);
    }
    if (this.streams.wanted(headerOf(req, 'x-ballast-resumable'), dto.model)) {
      // Where a continuation's `: continued <entry>` goes: the sink exists only once the first chunk is in hand.
      const sinkRef: { current?: SseSink } = {};
      const clientWantsUsage = dto.stream_options?.include_usage === true;
      return this.streams.start(requestId, owner, client, res, {
        begin: (signal) => this.chat.stream(dto, { signal, onContinue: (entry) => sinkRef.current?.comment(`continued ${entry}`) }),
        headers: (routed) => modelHeaders(routed.served, routed.fallback),
        pipe: (routed, sink) => this.pipe(routed, (sinkRef.current = sink), clientWantsUsage),
        cancel: async (routed) => {
          // Starting and stopping the iteration is what aborts the upstream and frees its slot.
          for await (const _chunk of routed.chunks) {
            break;
          }
        },
      });
    }
    return this.streamLive(dto, requestId, req, res);
  }

  /**
   * A live stream. Before the first chunk, failures are ordinary problem responses (the filter); after it, error
   * events. Its own method so that nothing the stream keeps (the continuation hook, the error handler) holds the
   * DTO, and not awaited: once the stream is open the handler (and Nest's frames around it, holding the DTO and the
   * request) is done; pipeStream answers every failure after the first chunk itself.
   */
  private async streamLive(dto: ChatCompletionRequestDto, requestId: string, req: FastifyRequest, res: ServerResponse): Promise<void> {
    const sinkRef: { current?: SseSink } = {};
    const clientWantsUsage = dto.stream_options?.include_usage === true;
    const routed = await this.chat.stream(dto, { onContinue: (entry) => sinkRef.current?.comment(`continued ${entry}`) });
    const sse = new SseResponse(res, requestId, this.config.sseKeepAliveMs);
    sse.open(modelHeaders(routed.served, routed.fallback));
    // The parsed body (the whole prompt) lives as long as the request object does: an open stream needs none of it.
    req.body = undefined;
    this.pipe(routed, (sinkRef.current = sse), clientWantsUsage).catch(strayFailureLogger(this.logger, requestId));
  }

  private pipe(routed: RoutedStream, sink: SseSink, clientWantsUsage: boolean) {
    return pipeStream(routed, sink, this.pipeOptions[clientWantsUsage ? 1 : 0]);
  }
}

/** One request header's value (the first of a repeated one). */
function headerOf(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Its own function so that the handler an open stream keeps holds only these two, not the stream's locals. */
function strayFailureLogger(logger: Logger, requestId: string): (error: unknown) => void {
  return (error) => logger.error({ err: error, request_id: requestId }, 'stream failed outside its error event');
}
