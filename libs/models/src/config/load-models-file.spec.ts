import { ModelsFileError, parseModelsConfig } from './load-models-file';

const FILE = {
  providers: { a: { type: 'openai', baseUrl: 'http://127.0.0.1:9000/v1' } },
  models: { chat: { route: [{ provider: 'a', model: 'm' }] } },
};

describe('parseModelsConfig', () => {
  const sut = parseModelsConfig;

  it('does not fall back on a content-policy refusal unless the model opts in', () => {
    expect(sut(FILE, {}).models.chat.fallbackOnContentRejected).toBe(false);
    const optedIn = { ...FILE, models: { chat: { ...FILE.models.chat, fallbackOnContentRejected: true } } };
    expect(sut(optedIn, {}).models.chat.fallbackOnContentRejected).toBe(true);
  });

  it('refuses breaker.halfOpenProbes other than 1: one probe at a time is all cockatiel does, and an option must do what it says', () => {
    const file = { ...FILE, providers: { a: { ...FILE.providers.a, resilience: { breaker: { halfOpenProbes: 3 } } } } };
    expect(() => sut(file, {})).toThrow(ModelsFileError);
    expect(() => sut(file, {})).toThrow(/halfOpenProbes.*only 1/);
    const asInTheContract = { ...FILE, providers: { a: { ...FILE.providers.a, resilience: { breaker: { halfOpenProbes: 1 } } } } };
    expect(() => sut(asInTheContract, {})).not.toThrow();
  });
});
