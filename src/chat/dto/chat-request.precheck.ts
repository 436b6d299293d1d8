import { FieldError, MAX_FIELD_ERRORS } from '@ballast/errors';
import type { RequestLimits } from '../../config';

const MAX_TOOLS = 128;

type Limits = Pick<RequestLimits, 'chatMaxMessages' | 'chatMaxContentParts' | 'chatMaxTextChars'>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textLength(value: unknown): number {
  return typeof value === 'string' ? value.length : 0;
}

/**
 * The size limits of a chat request, on the plain body, each a comparison:
 * message count, content parts in all, characters per text. Shape errors
 * (wrong types, missing fields) are left to the schema, which then only
 * walks a body of bounded size.
 */
export function precheckChatRequest(body: unknown, limits: Limits): FieldError[] {
  if (!isObject(body)) {
    return [];
  }
  const { messages, tools } = body;
  if (Array.isArray(tools) && tools.length > MAX_TOOLS) {
    return [{ field: 'tools', message: `must contain at most ${MAX_TOOLS} tools (got ${tools.length})` }];
  }
  if (!Array.isArray(messages)) {
    return [];
  }
  if (messages.length > limits.chatMaxMessages) {
    return [{ field: 'messages', message: `must contain at most ${limits.chatMaxMessages} messages (got ${messages.length})` }];
  }
  const errors: FieldError[] = [];
  const tooLong = `must be at most ${limits.chatMaxTextChars} characters`;
  let parts = 0;
  for (let m = 0; m < messages.length && errors.length < MAX_FIELD_ERRORS; m++) {
    const content = isObject(messages[m]) ? messages[m].content : undefined;
    if (textLength(content) > limits.chatMaxTextChars) {
      errors.push({ field: `messages[${m}].content`, message: tooLong });
    }
    if (!Array.isArray(content)) {
      continue;
    }
    parts += content.length;
    if (parts > limits.chatMaxContentParts) {
      return [{ field: 'messages', message: `must contain at most ${limits.chatMaxContentParts} content parts in all` }];
    }
    for (let p = 0; p < content.length && errors.length < MAX_FIELD_ERRORS; p++) {
      const part: unknown = content[p];
      if (isObject(part) && textLength(part.text) > limits.chatMaxTextChars) {
        errors.push({ field: `messages[${m}].content[${p}].text`, message: tooLong });
      }
    }
  }
  return errors;
}
