import { z } from 'zod';
import { describeIssue, fieldPath, zodFieldErrors } from './zod-field-errors';

const errorsOf = (schema: z.ZodType, value: unknown) =>
  zodFieldErrors(schema.safeParse(value, { error: describeIssue }).error?.issues ?? []);

describe('fieldPath', () => {
  it('writes array indexes in brackets and members with dots', () => {
    expect(fieldPath(['messages', 0, 'content', 1, 'text'])).toBe('messages[0].content[1].text');
  });

  it('names the body itself `body`', () => {
    expect(fieldPath([])).toBe('body');
  });
});

describe('describeIssue', () => {
  it.each([
    [z.object({ a: z.string() }), {}, 'is required'],
    [z.object({ a: z.string() }), { a: 1 }, 'must be a string'],
    [z.object({ a: z.int() }), { a: 1.5 }, 'must be an integer'],
    [z.object({ a: z.array(z.string()) }), { a: {} }, 'must be an array'],
    [z.object({ a: z.object({}) }), { a: [] }, 'must be an object'],
    [z.object({ a: z.string().min(1) }), { a: '' }, 'must not be empty'],
    [z.object({ a: z.string().min(2) }), { a: 'x' }, 'must be at least 2 characters'],
    [z.object({ a: z.string().max(2) }), { a: 'xyz' }, 'must be at most 2 characters'],
    [z.object({ a: z.array(z.string()).max(1) }), { a: ['x', 'y'] }, 'must be at most 1 item'],
    [z.object({ a: z.number().min(-2) }), { a: -3 }, 'must be at least -2'],
    [z.object({ a: z.enum(['x', 'y']) }), { a: 'z' }, 'must be one of x, y'],
  ])('words %#', (schema, value, message) => {
    expect(errorsOf(schema, value)).toEqual([{ field: 'a', message }]);
  });

  it("leaves a rule's own message alone", () => {
    expect(errorsOf(z.object({ a: z.array(z.string()).min(1, 'must hold one') }), { a: [] })).toEqual([
      { field: 'a', message: 'must hold one' },
    ]);
  });
});
