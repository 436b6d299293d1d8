import { createParser, EventSourceMessage } from 'eventsource-parser';

export interface SseRead {
  status: number;
  headers: Headers;
  events: EventSourceMessage[];
  /** The problem body when the answer was not a stream. */
  problem?: { code?: string; status?: number; detail?: string };
}

/**
 * Reads an SSE answer with eventsource-parser over fetch; `stopAfter` events
 * (not counting the end) drops the connection there, as a client losing its
 * network would.
 */
export async function readSse(url: string, init: RequestInit, stopAfter = Infinity, onOpen?: () => void): Promise<SseRead> {
  const controller = new AbortController();
  const res = await fetch(url, { ...init, signal: controller.signal });
  onOpen?.();
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    return { status: res.status, headers: res.headers, events: [], problem: (await res.json()) as SseRead['problem'] };
  }
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    parser.feed(decoder.decode(value, { stream: true }));
    if (events.filter((event) => event.data !== '[DONE]').length >= stopAfter) {
      controller.abort();
      await reader.cancel().catch(() => undefined);
      events.splice(stopAfter);
      break;
    }
  }
  return { status: res.status, headers: res.headers, events };
}

/** The text of the content deltas in a list of chunk events. */
export function contentOf(events: EventSourceMessage[]): string {
  return events
    .filter((event) => event.event === undefined && event.data !== '[DONE]')
    .map((event) => (JSON.parse(event.data) as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content ?? '')
    .join('');
}
