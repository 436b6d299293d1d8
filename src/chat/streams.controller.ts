import { requestContext } from '@ballast/observability';
import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiClientOf } from '../auth';
import { ApiProblemResponses } from '../docs';
import { ResumableStreams } from './resume/resumable-streams';
import { cursorFor } from './resume/stream-cursor';
import { streamOwner } from './resume/stream-owner';

/** `GET /v1/chat/streams/{request_id}`: a resumable stream from after Last-Event-ID, so a browser EventSource resumes by itself. */
@ApiTags('chat')
@Controller('v1/chat/streams')
export class StreamsController {
  constructor(private readonly streams: ResumableStreams) {}

  @Get(':requestId')
  @ApiOperation({ summary: 'Resume a resumable stream: the events after Last-Event-ID (or ?after=), then the live tail, then the end' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: '`<request_id>:<seq>` of the last event received' })
  @ApiQuery({ name: 'after', required: false, description: 'the seq of the last event received (when there is no Last-Event-ID)' })
  @ApiOkResponse({ description: 'text/event-stream of the remaining chat.completion.chunk events' })
  @ApiProblemResponses('VALIDATION_FAILED', 'STREAM_NOT_FOUND')
  async resume(
    @Param('requestId') requestId: string,
    @Query('after') after: unknown,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Headers('last-event-id') lastEventId?: string,
  ): Promise<void> {
    reply.hijack(); // answered on the raw response (see ChatController.create)
    const cursor = cursorFor(requestId, lastEventId, after);
    const meta = await this.streams.resumable(cursor.requestId, cursor.after, streamOwner(apiClientOf(req)));
    await this.streams.follow(
      cursor.requestId,
      cursor.after,
      meta,
      requestContext.current()?.client.signal ?? new AbortController().signal,
      reply.raw,
    );
  }
}
