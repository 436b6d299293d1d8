import { modelsFileSchema as sut } from './models-file.schema';

const file = (limits?: object) => ({
  providers: { up: { type: 'openai', baseUrl: 'http://127.0.0.1:9000/v1', ...(limits && { limits }) } },
  models: { chat: { route: [{ provider: 'up', model: 'm' }] } },
});

describe('models file: upstream limits of an openai provider', () => {
  it('has bounded defaults', () => {
    expect(sut.parse(file()).providers.up).toMatchObject({
      limits: {
        maxAnswerBytes: 8 * 1024 * 1024,
        maxErrorBodyBytes: 16 * 1024,
        maxEventChars: 1024 * 1024,
        maxBadEvents: 3,
        maxRetryAfterSeconds: 60,
      },
    });
  });

  it('takes overrides and keeps the other defaults', () => {
    expect(sut.parse(file({ maxBadEvents: 0, maxRetryAfterSeconds: 5 })).providers.up).toMatchObject({
      limits: { maxBadEvents: 0, maxRetryAfterSeconds: 5, maxAnswerBytes: 8 * 1024 * 1024 },
    });
  });

  it.each([{ maxAnswerBytes: 0 }, { maxErrorBodyBytes: -1 }, { maxEventChars: 1.5 }, { maxRetryAfterSeconds: 'a lot' }, { unknown: 1 }])(
    'refuses %j',
    (limits) => {
      expect(sut.safeParse(file(limits)).success).toBe(false);
    },
  );
});
