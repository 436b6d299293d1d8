import { z } from 'zod';
import { contentProblem } from './message-content.check';

export const MESSAGE_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One chat message. `content` is checked against the message's role (an
 * assistant's may be null), so the check sits on the message; it runs even
 * when another field of the message is wrong, so every field is named at once.
 */
export const chatMessageSchema = z
  .looseObject({
    role: z.enum(MESSAGE_ROLES).meta({ example: 'user' }),
    content: z
      .unknown()
      .optional()
      .meta({
        description:
          'A string, or content parts: { type: "text", text } and { type: "image_url", image_url: { url } } (http(s) or data: URL). ' +
          'Required except in assistant messages, where it may be null or absent',
        oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }],
        example: 'Describe this picture.',
        nullable: true,
      }),
    name: z.string().max(256).nullish(),
    tool_calls: z.array(z.looseObject({})).nullish(),
    tool_call_id: z.string().meta({ description: 'In tool messages: the tool call this answers' }).nullish(),
  })
  .superRefine(
    (message, ctx) => {
      const problem = contentProblem(message.content, message.role);
      if (problem !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['content'], message: problem });
      }
    },
    { when: (payload) => isObject(payload.value) },
  )
  .meta({ id: 'ChatMessageDto' });

export type ChatMessage = z.output<typeof chatMessageSchema>;
