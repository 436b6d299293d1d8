import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';

export type SseItem = { kind: 'event'; event: EventSourceMessage } | { kind: 'comment'; text: string };

/**
 * The events and comments of an SSE body, as they arrive (eventsource-parser
 * does the grammar). Ends when the body ends; throws when it breaks.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseItem> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const pending: SseItem[] = [];
  const parser = createParser({
    onEvent: (event) => pending.push({ kind: 'event', event }),
    onComment: (text) => pending.push({ kind: 'comment', text: text.trim() }),
  });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      parser.feed(done ? decoder.decode() : decoder.decode(value, { stream: true }));
      while (pending.length > 0) {
        yield pending.shift()!;
      }
      if (done) {
        return;
      }
    }
  } finally {
    // The caller stopped early, or the body broke: let go of the connection either way.
    reader.cancel().catch(() => undefined);
  }
}
