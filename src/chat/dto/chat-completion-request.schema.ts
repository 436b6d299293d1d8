import { z } from 'zod';
import { chatMessageSchema } from './chat-message.schema';

const stopSequence = z.string().min(1).max(256);
const STOP_RULE = 'must be a string or up to 4 strings of 1-256 characters';

/**
 * The rules of an OpenAI Chat Completions request, declared once: the pipe
 * validates with this schema and /docs-json is generated from it. Fields
 * Ballast does not know are kept (loose objects) and passed to the upstream
 * untouched. Optional fields accept `null` as absent, as OpenAI does. The
 * size limits are settings and are checked before this schema walks the body
 * (`precheckChatRequest`), so they are not repeated here.
 *
 * A nullable field without any other keyword (`z.boolean().nullish()`) is
 * documented wrongly (nestjs-zod#473: zod writes `type: [boolean, null]`,
 * which Nest's swagger reads as an array); each of those carries a
 * description on its inner schema, which keeps it an `anyOf` that nestjs-zod
 * turns into `nullable: true`.
 */
export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1).max(128).meta({ example: 'chat', description: 'A public model name (GET /v1/models)' }),
  messages: z.array(chatMessageSchema).min(1, 'must contain at least one message').meta({
    description: 'At most CHAT_MAX_MESSAGES messages, CHAT_MAX_CONTENT_PARTS content parts in all, CHAT_MAX_TEXT_CHARS characters per text',
  }),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.int().min(1).max(1_000_000).nullish(),
  max_completion_tokens: z.int().min(1).max(1_000_000).nullish(),
  stop: z
    .union([stopSequence, z.array(stopSequence).max(4)], { error: STOP_RULE })
    .nullish()
    .meta({ description: 'Up to 4 stop sequences' }),
  n: z.int().min(1).max(16).nullish(),
  stream: z.boolean().meta({ description: '`true`: answer with server-sent events' }).nullish(),
  stream_options: z
    .looseObject({ include_usage: z.boolean().meta({ description: 'With `stream: true`: end with a usage chunk' }).nullish() })
    .meta({ id: 'StreamOptionsDto' })
    .nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  user: z.string().max(256).nullish(),
  // Any integer, as before: a safe-integer bound (z.int()) would refuse the 64-bit seeds some clients send.
  seed: z
    .number()
    .refine(Number.isInteger, 'must be an integer')
    .meta({ type: 'integer', description: 'Any integer: the same seed asks the model for the same answer' })
    .nullish(),
  response_format: z.looseObject({}).nullish(),
  tools: z.array(z.looseObject({})).nullish().meta({ description: 'At most 128 tools' }),
  tool_choice: z.union([z.string(), z.looseObject({})], { error: 'must be a string or an object' }).nullish(),
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;
