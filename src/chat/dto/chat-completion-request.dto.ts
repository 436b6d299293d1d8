import { createZodDto } from 'nestjs-zod';
import { Prechecked } from '../../problems/precheck';
import { chatCompletionRequestSchema } from './chat-completion-request.schema';
import { precheckChatRequest } from './chat-request.precheck';

/**
 * The OpenAI Chat Completions request, as the controller receives it: a
 * plain object parsed by `chatCompletionRequestSchema`. Sizes (messages,
 * parts, text length) are settings, checked by `precheckChatRequest` before
 * the schema walks the body.
 */
@Prechecked(precheckChatRequest)
export class ChatCompletionRequestDto extends createZodDto(chatCompletionRequestSchema) {}
