import type { Attributes } from '@opentelemetry/api';
import type { ChatCompletion, ChatRequest } from '../ports/chat-model.port';

type Part = { type?: string; text?: string };

/** Message text in the gen_ai.input.messages shape; images become a placeholder, never bytes or URLs. */
function inputMessages(request: ChatRequest): unknown[] {
  return (request.messages ?? []).map((message) => {
    const content = (message as { content?: unknown }).content;
    const parts =
      typeof content === 'string'
        ? [{ type: 'text', content }]
        : Array.isArray(content)
          ? (content as Part[]).map((part) =>
              part.type === 'text' ? { type: 'text', content: part.text } : { type: part.type ?? 'unknown' },
            )
          : [];
    return { role: message.role, parts };
  });
}

/** Only called with content capture on (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT). */
export function capturedInput(request: ChatRequest): Attributes {
  return { 'gen_ai.input.messages': JSON.stringify(inputMessages(request)) };
}

export function capturedOutput(text: string | undefined, finishReason?: string): Attributes {
  return {
    'gen_ai.output.messages': JSON.stringify([
      { role: 'assistant', parts: [{ type: 'text', content: text ?? '' }], finish_reason: finishReason },
    ]),
  };
}

export function capturedCompletion(completion: ChatCompletion): Attributes {
  const choice = completion.choices?.[0];
  return capturedOutput(choice?.message?.content ?? '', choice?.finish_reason ?? undefined);
}
