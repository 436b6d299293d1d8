import type { ModuleRef } from '@nestjs/core';
import type { Logger } from 'pino';
import { ModelHealthReader } from './model-health.reader';
import { ModelHealthSource } from './model-health.port';

function reader(source: ModelHealthSource | undefined, logger = { warn: jest.fn() }): ModelHealthReader {
  const moduleRef = {
    get: () => {
      if (!source) {
        throw new Error('Nest could not find MODEL_HEALTH_SOURCE element');
      }
      return source;
    },
  } as unknown as ModuleRef;
  const sut = new ModelHealthReader(moduleRef, logger as unknown as Logger);
  sut.onModuleInit();
  return sut;
}

describe('ModelHealthReader', () => {
  it('reports no models when nothing provides MODEL_HEALTH_SOURCE', async () => {
    const sut = reader(undefined);
    await expect(sut.models()).resolves.toEqual([]);
    await expect(sut.view()).resolves.toEqual([]);
  });

  it('reads a sync or async source and presents entries in snake_case', async () => {
    const sut = reader({
      models: async () => [
        { name: 'chat', status: 'degraded', entries: [{ provider: 'p', model: 'm', breaker: 'half-open', successRate: 0.5 }] },
      ],
    });
    await expect(sut.view()).resolves.toEqual([
      { name: 'chat', status: 'degraded', entries: [{ provider: 'p', model: 'm', breaker: 'half-open', success_rate: 0.5 }] },
    ]);
  });

  it('turns a throwing source into "unknown" (undefined) and an empty view, with a warning', async () => {
    const logger = { warn: jest.fn() };
    const sut = reader(
      {
        models: () => {
          throw new Error('boom');
        },
      },
      logger,
    );
    await expect(sut.models()).resolves.toBeUndefined();
    await expect(sut.view()).resolves.toEqual([]);
    expect(logger.warn).toHaveBeenCalled();
  });
});
