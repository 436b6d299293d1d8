import { BallastError } from '@ballast/errors';
import type { ChatRequest } from '../../ports/chat-model.port';

const DATA_URL = /^data:image\/[a-z0-9.+-]+;base64,/i;

/** The last image a chat request carries as a data: URL (the local model cannot fetch URLs). */
export function imageFromMessages(request: ChatRequest): Buffer {
  const messages = (request.messages ?? []) as Array<{ content?: unknown }>;
  for (let m = messages.length - 1; m >= 0; m--) {
    const content = messages[m].content;
    if (!Array.isArray(content)) {
      continue;
    }
    for (let p = content.length - 1; p >= 0; p--) {
      const part = content[p] as { type?: string; image_url?: { url?: unknown } | string };
      const url = typeof part.image_url === 'string' ? part.image_url : part.image_url?.url;
      if (part.type === 'image_url' && typeof url === 'string' && DATA_URL.test(url)) {
        return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
      }
    }
  }
  throw new BallastError('VALIDATION_FAILED', {
    detail: 'This model reads text from images only: send an image as an image_url part with a data: URL.',
    errors: [{ field: 'messages', message: 'must contain an image_url part with a data: URL' }],
  });
}
