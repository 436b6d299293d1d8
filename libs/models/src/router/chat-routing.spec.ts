import { BallastError } from '@ballast/errors';
import { BallastMetrics, ClientPresence, requestContext } from '@ballast/observability';
import pino from 'pino';
import { parseModelsConfig } from '../config/load-models-file';
import type { ModelsConfig } from '../config/models-file.schema';
import { createModelLayer } from '../create-model-layer';
import type { ChatCompletionChunk, ChatModelPort, ChatRequest } from '../ports/chat-model.port';
import type { ModelProvider } from '../ports/model-provider.port';
import type { ProviderFactory } from '../providers/provider-factory';

interface Script {
  chunks: ChatCompletionChunk[];
  /** Thrown after the chunks (a dropped upstream), or before any (a refused request) when `chunks` is empty. */
  error?: BallastError;
}

const text = (content: string): ChatCompletionChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'm',
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
});
const toolCall: ChatCompletionChunk = {
  ...text(''),
  choices: [
    {
      index: 0,
      delta: { tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'f', arguments: '' } }] },
      finish_reason: null,
    },
  ],
};

/** A provider that plays a script and records what it was asked; with no script it fails the test loudly. */
class ScriptedProvider implements ModelProvider, ChatModelPort {
  readonly type = 'scripted';
  readonly chat = this;
  readonly requests: ChatRequest[] = [];
  script?: Script;
  constructor(readonly id: string) {}

  complete(): never {
    throw new Error(`${this.id}.complete was not expected`);
  }

  async *stream(_model: string, request: ChatRequest): AsyncIterable<ChatCompletionChunk> {
    this.requests.push(request);
    if (!this.script) {
      throw new Error(`${this.id}.stream was not expected`);
    }
    yield* this.script.chunks;
    if (this.script.error) {
      throw this.script.error;
    }
  }
}

function config(continueOnFailure: boolean): ModelsConfig {
  const base = parseModelsConfig(
    {
      providers: { a: { type: 'local' }, b: { type: 'local' }, c: { type: 'local' } },
      models: {
        talk: {
          continueOnFailure,
          route: [
            { provider: 'a', model: 'm-a' },
            { provider: 'b', model: 'm-b' },
            { provider: 'c', model: 'm-c', prefill: true },
          ],
        },
      },
    },
    {},
  );
  const scripted = (id: string) => ({ ...base.providers[id], type: 'scripted' }) as unknown as ModelsConfig['providers'][string];
  return { ...base, providers: { a: scripted('a'), b: scripted('b'), c: scripted('c') } };
}

function layer(continueOnFailure: boolean) {
  // The layer hands out its providers observed (wrapped): the scripts go to the instances the factory made.
  const made = new Map<string, ScriptedProvider>();
  const factory: ProviderFactory = {
    type: 'scripted',
    create: (id) => {
      const provider = new ScriptedProvider(id);
      made.set(id, provider);
      return provider;
    },
  };
  const metrics = new BallastMetrics({ defaultMetrics: false });
  const built = createModelLayer(
    { models: config(continueOnFailure), requestTimeoutMs: 5_000, probeIntervalMs: 0, ocr: { workers: 1, queueSize: 1 } },
    { factories: [factory], metrics, logger: pino({ level: 'silent' }) },
  );
  const provider = (id: string) => made.get(id)!;
  return { sut: built.chat, router: built.router, metrics, a: provider('a'), b: provider('b'), c: provider('c') };
}

const dropped = new BallastError('UPSTREAM_UNAVAILABLE', { detail: 'the upstream connection dropped' });
const request: ChatRequest = { messages: [{ role: 'user', content: 'question' }] };

/** Runs a stream to its end inside a request; returns the chunks' text, the notices and the thrown error. */
async function run(sut: ReturnType<typeof layer>['sut']) {
  return requestContext.run({ requestId: 'r-1', startedAt: 0, client: new ClientPresence(), outcome: {} }, async () => {
    const continued: string[] = [];
    const routed = await sut.stream('talk', request, { onContinue: (entry) => void continued.push(entry) });
    let content = '';
    try {
      for await (const chunk of routed.chunks) {
        content += chunk.choices[0]?.delta?.content ?? '';
      }
      return { content, continued };
    } catch (error) {
      return { content, continued, error: error as BallastError };
    }
  });
}

const modelRequests = async (metrics: BallastMetrics, provider: string) =>
  (await metrics.modelRequests.get()).values
    .filter((v) => v.labels.provider === provider && v.value > 0)
    .map((v) => ({ outcome: v.labels.outcome, value: v.value }));

const count = async (metrics: BallastMetrics, outcome: string) =>
  (await metrics.streamContinuations.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

describe('ChatRouting continuation', () => {
  it('goes on at the next prefill entry (skipping one without prefill) with the partial answer as an assistant message', async () => {
    const { sut, router, metrics, a, b, c } = layer(true);
    a.script = { chunks: [text('Hel'), text('lo ')], error: dropped };
    c.script = { chunks: [text('world')] };
    const result = await run(sut);
    expect(result).toEqual({ content: 'Hello world', continued: ['talk/c/m-c'] });
    expect(b.requests).toHaveLength(0);
    expect(c.requests[0].messages).toEqual([...request.messages, { role: 'assistant', content: 'Hello ' }]);
    expect(c.requests[0]).toMatchObject({ continue_final_message: true, add_generation_prompt: false });
    expect(await count(metrics, 'continued')).toBe(1);
    // The continuation is an attempt like any other: in the model metrics and the entry's recent health.
    expect(await modelRequests(metrics, 'c')).toEqual([{ outcome: 'success', value: 1 }]);
    expect(router.health()[0].entries.find((e) => e.provider === 'c')).toMatchObject({ successRate: 1 });
    expect((await metrics.fallbacks.get()).values).toEqual([
      expect.objectContaining({ labels: { model: 'talk', from: 'a', to: 'c' }, value: 1 }),
    ]);
  });

  it('refuses when the partial answer holds a tool call: the original failure ends the stream', async () => {
    const { sut, metrics, a, c } = layer(true);
    a.script = { chunks: [toolCall], error: dropped };
    const result = await run(sut);
    expect(result.error).toBe(dropped);
    expect(c.requests).toHaveLength(0);
    expect(await count(metrics, 'refused')).toBe(1);
  });

  it('a continuation the entry refuses never masks the original failure', async () => {
    const { sut, router, metrics, a, c } = layer(true);
    a.script = { chunks: [text('Hel')], error: dropped };
    c.script = { chunks: [], error: new BallastError('VALIDATION_FAILED', { detail: 'prefill not supported' }) };
    const result = await run(sut);
    expect(result.error).toBe(dropped);
    expect(result.continued).toEqual([]);
    expect(await count(metrics, 'failed')).toBe(1);
    expect(await modelRequests(metrics, 'c')).toEqual([{ outcome: 'VALIDATION_FAILED', value: 1 }]);
    expect(router.health()[0].entries.find((e) => e.provider === 'c')).toMatchObject({ lastErrorCode: 'VALIDATION_FAILED' });
  });

  it('does nothing unless the model opted in', async () => {
    const { sut, metrics, a, c } = layer(false);
    a.script = { chunks: [text('Hel')], error: dropped };
    const result = await run(sut);
    expect(result.error).toBe(dropped);
    expect(c.requests).toHaveLength(0);
    expect((await metrics.streamContinuations.get()).values).toEqual([]);
  });

  it('does not continue for a client that has gone', async () => {
    const { sut, a, c } = layer(true);
    const client = new ClientPresence();
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    a.script = { chunks: [text('Hel')] };
    // After its first chunk the upstream stalls until the client has left.
    a.stream = async function* (this: ScriptedProvider, _model: string, req: ChatRequest) {
      this.requests.push(req);
      yield text('Hel');
      await stalled;
      throw dropped;
    };
    const error = await requestContext.run({ requestId: 'r-2', startedAt: 0, client, outcome: {} }, async () => {
      const routed = await sut.stream('talk', request);
      try {
        for await (const _chunk of routed.chunks) {
          client.leave(new BallastError('CLIENT_CLOSED_REQUEST'));
          release();
        }
      } catch (thrown) {
        return thrown as BallastError;
      }
      return undefined;
    });
    expect(error?.code).toBe('CLIENT_CLOSED_REQUEST');
    expect(c.requests).toHaveLength(0);
  });
});
