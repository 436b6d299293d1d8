import type { HedgeSettings } from '@ballast/resilience';
import { ModelsFileError, parseModelsConfig } from './load-models-file';

const providers = {
  a: { type: 'openai', baseUrl: 'http://127.0.0.1:9001/v1' },
  b: { type: 'openai', baseUrl: 'http://127.0.0.1:9002/v1' },
};

function parse(models: unknown, extra: object = {}) {
  return parseModelsConfig({ providers, models, ...extra }, {});
}

function problemsOf(models: unknown, extra: object = {}): string[] {
  try {
    parse(models, extra);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelsFileError);
    return (error as ModelsFileError).problems;
  }
  throw new Error('expected the models file to be refused');
}

const pool = (strategy: string, entries: object[]) => ({ pool: { strategy, entries } });

describe('models file: pools, hedging and adaptive concurrency', () => {
  it('keeps the old route of single entries, as steps and as entries', () => {
    const sut = parse({
      chat: {
        route: [
          { provider: 'a', model: 'm1', contextWindow: 8000 },
          { provider: 'b', model: 'm2' },
        ],
      },
    });

    const model = sut.models.chat;
    expect(model.steps).toEqual([
      { provider: 'a', model: 'm1', contextWindow: 8000, prefill: false },
      { provider: 'b', model: 'm2', prefill: false },
    ]);
    expect(model.route).toEqual(model.steps);
    expect(model.hedge).toBeUndefined();
  });

  it('reads a pool step and lists its members in place in the flat route', () => {
    const sut = parse({
      chat: {
        route: [
          pool('weighted', [
            { provider: 'a', model: 'm', weight: 3 },
            { provider: 'b', model: 'm', weight: 1, contextWindow: 4000 },
          ]),
          { provider: 'b', model: 'fallback' },
        ],
      },
    });

    const model = sut.models.chat;
    expect(model.steps[0]).toEqual({
      pool: {
        strategy: 'weighted',
        entries: [
          { provider: 'a', model: 'm', weight: 3, prefill: false },
          { provider: 'b', model: 'm', weight: 1, contextWindow: 4000, prefill: false },
        ],
      },
    });
    expect(model.route.map((entry) => `${entry.provider}/${entry.model}`)).toEqual(['a/m', 'b/m', 'b/fallback']);
  });

  it.each(['weighted', 'least-loaded', 'latency'])('accepts the strategy %s', (strategy) => {
    const sut = parse({
      chat: {
        route: [
          pool(strategy, [
            { provider: 'a', model: 'm' },
            { provider: 'b', model: 'm' },
          ]),
        ],
      },
    });

    expect(sut.models.chat.steps[0]).toMatchObject({ pool: { strategy } });
  });

  it('reads a fixed and an adaptive hedge, with the default budget', () => {
    const route = [
      pool('latency', [
        { provider: 'a', model: 'm' },
        { provider: 'b', model: 'm' },
      ]),
    ];

    const sut = parse({ fixed: { route, hedge: { afterMs: 250 } }, adaptive: { route, hedge: { percentile: 95, maxExtraRatio: 0.05 } } });

    expect(sut.models.fixed.hedge).toEqual({ afterMs: 250, maxExtraRatio: 0.1 });
    expect(sut.models.adaptive.hedge).toEqual({ percentile: 95, maxExtraRatio: 0.05 });
    const settings: HedgeSettings = sut.models.adaptive.hedge!;
    expect('percentile' in settings).toBe(true);
  });

  it('turns adaptive concurrency on per provider, off by default', () => {
    const sut = parseModelsConfig(
      {
        providers: { ...providers, a: { ...providers.a, maxConcurrency: 40, resilience: { adaptiveConcurrency: true } } },
        models: { chat: { route: [{ provider: 'a', model: 'm' }] } },
      },
      {},
    );

    expect(sut.providers.a.resilience.adaptiveConcurrency).toBe(true);
    expect(sut.providers.a.maxConcurrency).toBe(40);
    expect(sut.providers.b.resilience.adaptiveConcurrency).toBe(false);
  });

  it('names an unknown provider inside a pool by its place', () => {
    const problems = problemsOf({
      chat: {
        route: [
          { provider: 'a', model: 'm' },
          pool('latency', [
            { provider: 'a', model: 'm' },
            { provider: 'nope', model: 'm' },
          ]),
        ],
      },
    });

    expect(problems).toEqual(['MODELS_FILE: models.chat.route[1].pool.entries[1].provider: unknown provider "nope" (defined: a, b)']);
  });

  it("gives a bad pool the pool's own messages, not a bare 'Invalid input'", () => {
    const problems = problemsOf({ chat: { route: [pool('round-robin', [{ provider: 'a', model: 'm' }])] } });

    expect(problems).toEqual([
      'MODELS_FILE: models.chat.route[0].pool.strategy: Invalid option: expected one of "weighted"|"least-loaded"|"latency"',
      'MODELS_FILE: models.chat.route[0].pool.entries: a pool needs at least two entries (one entry is a plain route step)',
    ]);
  });

  it("gives a bad single entry the entry's own messages", () => {
    const problems = problemsOf({ chat: { route: [{ provider: 'a' }] } });

    expect(problems).toEqual(['MODELS_FILE: models.chat.route[0].model: Invalid input: expected string, received undefined']);
  });

  it('refuses a member listed twice, a weight outside weighted pools and a zero weight', () => {
    const problems = problemsOf({
      twice: {
        route: [
          pool('weighted', [
            { provider: 'a', model: 'm' },
            { provider: 'a', model: 'm' },
          ]),
        ],
      },
      weight: {
        route: [
          pool('latency', [
            { provider: 'a', model: 'm', weight: 2 },
            { provider: 'b', model: 'm' },
          ]),
        ],
      },
      zero: {
        route: [
          pool('weighted', [
            { provider: 'a', model: 'm', weight: 0 },
            { provider: 'b', model: 'm' },
          ]),
        ],
      },
    });

    expect(problems).toEqual([
      'MODELS_FILE: models.twice.route[0].pool.entries[1]: a/m is listed twice in this pool',
      'MODELS_FILE: models.weight.route[0].pool.entries[0].weight: weight only applies to strategy "weighted", not "latency"',
      'MODELS_FILE: models.zero.route[0].pool.entries[0].weight: Too small: expected number to be >0',
    ]);
  });

  it('refuses unknown keys in a pool step', () => {
    const problems = problemsOf({
      chat: {
        route: [
          {
            ...pool('latency', [
              { provider: 'a', model: 'm' },
              { provider: 'b', model: 'm' },
            ]),
            provider: 'a',
          },
        ],
      },
    });

    expect(problems).toEqual(['MODELS_FILE: models.chat.route[0]: Unrecognized key: "provider"']);
  });

  it('refuses a hedge with both or neither delay', () => {
    const route = [
      pool('latency', [
        { provider: 'a', model: 'm' },
        { provider: 'b', model: 'm' },
      ]),
    ];

    const problems = problemsOf({ both: { route, hedge: { afterMs: 100, percentile: 95 } }, neither: { route, hedge: {} } });

    expect(problems).toEqual([
      'MODELS_FILE: models.both.hedge: hedge takes exactly one of afterMs (fixed delay) or percentile (adaptive delay)',
      'MODELS_FILE: models.neither.hedge: hedge takes exactly one of afterMs (fixed delay) or percentile (adaptive delay)',
    ]);
  });

  it('refuses a hedge on a route with no pool to send the second call to', () => {
    const problems = problemsOf({ chat: { route: [{ provider: 'a', model: 'm' }], hedge: { afterMs: 100 } } });

    expect(problems).toEqual([
      'MODELS_FILE: models.chat.hedge: hedge needs a pool step in the route: the second call goes to another member of the pool',
    ]);
  });

  it('refuses a non-boolean adaptiveConcurrency', () => {
    const problems = problemsOf(
      { chat: { route: [{ provider: 'a', model: 'm' }] } },
      { providers: { a: { ...providers.a, resilience: { adaptiveConcurrency: 'yes' } } } },
    );

    expect(problems).toEqual(['MODELS_FILE: providers.a.resilience.adaptiveConcurrency: Invalid input: expected boolean, received string']);
  });
});
