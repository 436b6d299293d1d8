/** Builds OpenAI-shaped chat completion bodies and SSE events. Pure functions, no I/O. */

export const DEFAULT_REPLY = 'Hello from the test upstream. '.repeat(17).trimEnd();
export const DONE_EVENT = 'data: [DONE]\n\n';
/** A 200 body that is not JSON (cut in the middle of an object). */
export const MALFORMED_BODY = '{"id":"chatcmpl-malformed","object":"chat.completion","choices":[{"index":0,"message":{"role":"assist';
/** An SSE event whose data is not JSON. */
export const MALFORMED_EVENT = 'data: {"id":"chatcmpl-malformed","choices":[{"delta":{"content":"oo\n\n';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What the builders need from a request, already read out of its body. */
export interface ChatTurn {
  id: string;
  created: number;
  model: string;
  reply: string;
  usage: Usage;
  includeUsage: boolean;
}

type Body = Record<string, unknown>;

/** `echo:<text>` as the last user message (a string, or its first text part) makes the reply `<text>`. */
export function replyFor(body: Body, fallback: string): string {
  const messages = body.messages;
  if (!Array.isArray(messages)) {
    return fallback;
  }
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as Body | null;
    if (m?.role === 'user') {
      const text = firstText(m.content);
      return text?.startsWith('echo:') ? text.slice(5) : fallback;
    }
  }
  return fallback;
}

/** Rough, deterministic token counts: one token per four characters of text, 85 per image. */
export function usageFor(body: Body, reply: string): Usage {
  let chars = 0;
  let images = 0;
  if (Array.isArray(body.messages)) {
    for (const m of body.messages as (Body | null)[]) {
      const content = m?.content;
      if (typeof content === 'string') {
        chars += content.length;
      } else if (Array.isArray(content)) {
        for (const part of content as (Body | null)[]) {
          if (typeof part?.text === 'string') {
            chars += part.text.length;
          } else if (part?.type === 'image_url') {
            images++;
          }
        }
      }
    }
  }
  const prompt = Math.ceil(chars / 4) + 85 * images;
  const completion = Math.ceil(reply.length / 4);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function completionBody(t: ChatTurn): string {
  return JSON.stringify({
    id: t.id,
    object: 'chat.completion',
    created: t.created,
    model: t.model,
    choices: [{ index: 0, message: { role: 'assistant', content: t.reply, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: t.usage,
  });
}

/** The `data:` events of a stream, without the final `[DONE]`: `chunks` content chunks, then usage if asked for. */
export function streamEvents(t: ChatTurn, chunks: number): string[] {
  const n = Math.max(1, chunks);
  const size = Math.ceil(t.reply.length / n);
  const events: string[] = [];
  for (let i = 0; i < n; i++) {
    const content = t.reply.slice(i * size, (i + 1) * size);
    const chunk: Body = {
      id: t.id,
      object: 'chat.completion.chunk',
      created: t.created,
      model: t.model,
      choices: [
        {
          index: 0,
          delta: i === 0 ? { role: 'assistant', content } : { content },
          logprobs: null,
          finish_reason: i === n - 1 ? 'stop' : null,
        },
      ],
    };
    if (t.includeUsage) {
      chunk.usage = null;
    }
    events.push(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  if (t.includeUsage) {
    const last = { id: t.id, object: 'chat.completion.chunk', created: t.created, model: t.model, choices: [], usage: t.usage };
    events.push(`data: ${JSON.stringify(last)}\n\n`);
  }
  return events;
}

/** An OpenAI-shaped error body. */
export function errorBody(message: string, type = 'upstream_error', code: string | null = null): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}

function firstText(content: unknown): string | undefined {
  if (typeof content === 'string') {
    return content;
  }
  if (Array.isArray(content)) {
    const part = (content as (Body | null)[]).find((p) => p?.type === 'text' && typeof p.text === 'string');
    return part?.text as string | undefined;
  }
  return undefined;
}
