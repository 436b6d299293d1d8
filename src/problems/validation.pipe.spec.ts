import 'reflect-metadata';
import { BallastError } from '@ballast/errors';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import type { RequestLimits } from '../config';
import { loadConfig } from '../config/load-config';
import { Prechecked } from './precheck';
import { createValidationPipe } from './validation.pipe';

const limits: RequestLimits = { ...loadConfig({}).limits, chatMaxMessages: 2 };

@Prechecked((body, given) =>
  Array.isArray((body as { items?: unknown })?.items) && (body as { items: unknown[] }).items.length > given.chatMaxMessages
    ? [{ field: 'items', message: `at most ${given.chatMaxMessages}` }]
    : [],
)
class ItemsDto extends createZodDto(z.looseObject({ items: z.array(z.string()), label: z.string().max(3).optional() })) {}

const sut = createValidationPipe(limits);
const asBody = (metatype: unknown) => ({ type: 'body' as const, metatype: metatype as never, data: undefined });

function thrown(run: () => unknown): BallastError {
  try {
    run();
  } catch (error) {
    return error as BallastError;
  }
  throw new Error('nothing was thrown');
}

describe('createValidationPipe', () => {
  it('passes what is not a zod DTO through as it is', () => {
    const value = { anything: [1] };
    expect(sut.transform(value, asBody(Object))).toBe(value);
    expect(sut.transform('id-1', { type: 'param', metatype: String, data: 'id' })).toBe('id-1');
  });

  it('returns the parsed body of a valid request', () => {
    expect(sut.transform({ items: ['a'], other: true }, asBody(ItemsDto))).toEqual({ items: ['a'], other: true });
  });

  it('runs the declared precheck with the configured limits first, and alone when it refuses', () => {
    const error = thrown(() => sut.transform({ items: [1, 2, 3], label: 'too long' }, asBody(ItemsDto)));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'items', message: 'at most 2' }] });
  });

  it('words every schema failure as a field and a message, in one VALIDATION_FAILED', () => {
    const error = thrown(() => sut.transform({ items: ['a', 2], label: 'four' }, asBody(ItemsDto)));
    expect(error).toBeInstanceOf(BallastError);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.errors).toEqual([
      { field: 'items[1]', message: 'must be a string' },
      { field: 'label', message: 'must be at most 3 characters' },
    ]);
    expect(error.detail).toBe(
      'The request is not valid: items[1] must be a string; label must be at most 3 characters. See errors[] for each field.',
    );
  });
});
