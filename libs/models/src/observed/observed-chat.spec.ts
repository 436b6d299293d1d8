import { BallastError } from '@ballast/errors';
import { applyTracingSettings, TRACING_OFF } from '@ballast/observability';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { CallContext } from '../ports/call-context';
import type { ChatCompletion, ChatCompletionChunk, ChatModelPort, ChatRequest } from '../ports/chat-model.port';
import { ObservedChat, ProviderFacts } from './observed-chat';

const chunk = (content: string, extra: Partial<ChatCompletionChunk> = {}) =>
  ({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'up-model',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
    ...extra,
  }) as ChatCompletionChunk;

const completion = {
  id: 'r1',
  object: 'chat.completion',
  created: 0,
  model: 'up-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'the answer' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 },
} as unknown as ChatCompletion;

const request = {
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'secret prompt' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAABBBB' } },
      ],
    },
  ],
  max_tokens: 20,
} as unknown as ChatRequest;

const facts: ProviderFacts = { id: 'primary', type: 'openai', attributes: { 'server.address': 'up' }, breakerState: () => 'half-open' };

describe('ObservedChat', () => {
  const exporter = new InMemorySpanExporter();
  const seen: CallContext[] = [];

  beforeAll(() => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  beforeEach(() => {
    exporter.reset();
    seen.length = 0;
    applyTracingSettings({ ...TRACING_OFF, enabled: true, exporters: ['otlp'] });
  });
  afterAll(() => {
    applyTracingSettings(TRACING_OFF);
    trace.disable();
  });

  const context = (signal = new AbortController().signal): CallContext => ({
    requestId: 'req-1',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    signal,
    route: { entry: 'chat/primary/m', index: 1 },
  });

  it('makes one gen_ai client span per call, and sends its own traceparent upstream', async () => {
    const inner: ChatModelPort = {
      complete: (_model, _request, ctx) => (seen.push(ctx), Promise.resolve(completion)),
      stream: () => {
        throw new Error('unexpected');
      },
    };
    const sut = new ObservedChat(inner, facts);
    await sut.complete('m', request, context());

    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('chat m');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'm',
      'gen_ai.request.max_tokens': 20,
      'gen_ai.response.model': 'up-model',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 11,
      'gen_ai.usage.output_tokens': 3,
      'ballast.route.entry': 'chat/primary/m',
      'ballast.fallback': true,
      'ballast.breaker.state': 'half-open',
      'server.address': 'up',
    });
    expect(seen[0].traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    expect(JSON.stringify(span.attributes)).not.toContain('secret prompt');
  });

  it('marks a failed call as an error with its code', async () => {
    const inner: ChatModelPort = {
      complete: () => Promise.reject(new BallastError('MODEL_OVERLOADED', { upstream: { status: 429 } })),
      stream: () => {
        throw new Error('unexpected');
      },
    };
    await expect(new ObservedChat(inner, facts).complete('m', request, context())).rejects.toThrow();
    const [span] = exporter.getFinishedSpans();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'MODEL_OVERLOADED' });
    expect(span.attributes).toMatchObject({ 'error.type': 'MODEL_OVERLOADED', 'http.response.status_code': 429 });
  });

  it('ends the span of a stream whose reader stops pulling, when the attempt is aborted', async () => {
    const inner: ChatModelPort = {
      complete: () => Promise.reject(new Error('unexpected')),
      async *stream() {
        yield chunk('first');
        yield chunk(' second');
      },
    };
    const abort = new AbortController();
    const iterator = new ObservedChat(inner, facts).stream('m', request, context(abort.signal))[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual(chunk('first'));
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    // The reader is gone and never calls next() again; only the abort is left to end the span.
    abort.abort(new BallastError('CLIENT_CLOSED_REQUEST'));

    const [span] = exporter.getFinishedSpans();
    expect(span.attributes).toMatchObject({ 'ballast.error.code': 'CLIENT_CLOSED_REQUEST', 'ballast.stream.chunks': 1 });
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(0);
  });

  it.each(['complete', 'stream'] as const)(
    'with tracing off, %s gathers no span facts: the answer passes through and the provider is asked nothing',
    async (call) => {
      applyTracingSettings(TRACING_OFF);
      const breakerState = jest.fn(() => 'closed');
      const inner: ChatModelPort = {
        complete: (_model, _request, ctx) => (seen.push(ctx), Promise.resolve(completion)),
        async *stream(_model, _request, ctx) {
          seen.push(ctx);
          yield chunk('the ');
          yield chunk('answer', { choices: [{ index: 0, delta: { content: 'answer' }, finish_reason: 'stop' }] });
        },
      };
      const sut = new ObservedChat(inner, { ...facts, breakerState });
      const received: unknown[] = [];
      if (call === 'complete') {
        received.push(await sut.complete('m', request, context()));
      } else {
        for await (const piece of sut.stream('m', request, context())) {
          received.push(piece);
        }
      }

      expect(received).toEqual(
        call === 'complete'
          ? [completion]
          : [chunk('the '), expect.objectContaining({ choices: [expect.objectContaining({ finish_reason: 'stop' })] })],
      );
      expect(breakerState).not.toHaveBeenCalled();
      expect(seen[0].traceparent).toBe(context().traceparent);
      expect(exporter.getFinishedSpans()).toHaveLength(0);
    },
  );

  it('captures message text (never image bytes) only when content capture is on', async () => {
    applyTracingSettings({ ...TRACING_OFF, enabled: true, exporters: ['otlp'], captureContent: true });
    const inner: ChatModelPort = {
      complete: () => Promise.reject(new Error('unexpected')),
      async *stream() {
        yield chunk('the ');
        yield chunk('answer', { choices: [{ index: 0, delta: { content: 'answer' }, finish_reason: 'stop' }] });
        yield chunk('', { choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } });
      },
    };
    for await (const _ of new ObservedChat(inner, facts).stream('m', request, context())) {
      // drain
    }
    const [span] = exporter.getFinishedSpans();
    expect(JSON.parse(String(span.attributes['gen_ai.input.messages']))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'secret prompt' }, { type: 'image_url' }] },
    ]);
    expect(JSON.parse(String(span.attributes['gen_ai.output.messages']))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'the answer' }], finish_reason: 'stop' },
    ]);
    expect(JSON.stringify(span.attributes)).not.toContain('AAAABBBB');
    expect(span.attributes).toMatchObject({ 'gen_ai.usage.input_tokens': 5, 'gen_ai.usage.output_tokens': 2 });
  });
});
