import { BallastError } from '@ballast/errors';
import { BallastMetrics, ClientPresence, requestContext } from '@ballast/observability';
import pino from 'pino';
import { parseModelsConfig } from '../config/load-models-file';
import type { ModelsConfig } from '../config/models-file.schema';
import { createModelLayer } from '../create-model-layer';
import type { CallContext } from '../ports/call-context';
import type { ChatCompletion, ChatCompletionChunk, ChatModelPort, ChatRequest } from '../ports/chat-model.port';
import type { ModelProvider } from '../ports/model-provider.port';
import { createProviders } from '../providers/create-providers';
import type { ProviderFactory } from '../providers/provider-factory';

/** A provider type the router has never heard of: it only implements the port. */
class EchoProvider implements ModelProvider, ChatModelPort {
  readonly type = 'echo';
  readonly chat = this;
  readonly seen: CallContext[] = [];
  constructor(
    readonly id: string,
    private readonly failWith?: BallastError,
  ) {}

  async complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatCompletion> {
    this.seen.push(context);
    if (this.failWith) {
      throw this.failWith;
    }
    const text = String((request.messages[0] as { content: string }).content);
    return {
      id: 'echo-1',
      object: 'chat.completion',
      created: 0,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
    };
  }

  async *stream(): AsyncIterable<ChatCompletionChunk> {
    yield* [];
  }
}

const echoFactory: ProviderFactory = {
  type: 'echo',
  create: (id, config) =>
    new EchoProvider(id, (config as { failing?: boolean }).failing ? new BallastError('UPSTREAM_UNAVAILABLE') : undefined),
};

function echoConfig(): ModelsConfig {
  // Built-in validation knows only openai/local; a new type brings its own config shape.
  const base = parseModelsConfig(
    {
      providers: { a: { type: 'local', resilience: { retries: 1, backoffBaseMs: 0 } }, b: { type: 'local' } },
      models: {
        talk: {
          route: [
            { provider: 'a', model: 'm-a' },
            { provider: 'b', model: 'm-b' },
          ],
        },
      },
    },
    {},
  );
  return {
    ...base,
    providers: {
      a: { ...base.providers.a, type: 'echo', failing: true } as unknown as ModelsConfig['providers'][string],
      b: { ...base.providers.b, type: 'echo' } as unknown as ModelsConfig['providers'][string],
    },
  };
}

describe('ModelRouter with a provider type registered from outside', () => {
  const config = echoConfig();
  const metrics = new BallastMetrics({ defaultMetrics: false });
  const logger = pino({ level: 'silent' });
  const { providers, chat: sut } = createModelLayer(
    { models: config, requestTimeoutMs: 5_000, probeIntervalMs: 0, ocr: { workers: 1, queueSize: 1 } },
    { factories: [echoFactory], metrics, logger },
  );

  it('routes to it, retries it and falls back through it without any router change', async () => {
    const routed = await requestContext.run({ requestId: 'r-echo', startedAt: 0, client: new ClientPresence(), outcome: {} }, () =>
      sut.complete('talk', { messages: [{ role: 'user', content: 'ping' }] }),
    );
    expect(routed.value.choices[0].message.content).toBe('ping');
    expect(routed).toMatchObject({ fallback: true, attempts: 3, served: { providerId: 'b', model: 'm-b' } });
    const failing = providers.get('a') as EchoProvider;
    expect(failing.seen).toHaveLength(2);
    expect(failing.seen[0].requestId).toBe('r-echo');
  });

  it('refuses a provider type nobody registered', () => {
    expect(() => createProviders(config, [], { ocr: { workers: 1, queueSize: 1 }, metrics, logger })).toThrow(BallastError);
  });
});
