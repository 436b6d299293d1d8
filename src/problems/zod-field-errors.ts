import { FieldError } from '@ballast/errors';
import type { z } from 'zod';

const NOUNS: Record<string, string> = {
  int: 'an integer',
  array: 'an array',
  object: 'an object',
};

/** `['messages', 0, 'content']` becomes `messages[0].content`; the body itself is `body`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let field = '';
  for (const key of path) {
    field = typeof key === 'number' ? `${field}[${key}]` : field ? `${field}.${String(key)}` : String(key);
  }
  return field || 'body';
}

function limit(issue: { origin: string }, bound: number | bigint): string {
  switch (issue.origin) {
    case 'string':
      return `${bound} character${Number(bound) === 1 ? '' : 's'}`;
    case 'array':
      return `${bound} item${Number(bound) === 1 ? '' : 's'}`;
    default:
      return String(bound);
  }
}

/**
 * The message of each rule that does not carry its own, in the words of the
 * rest of errors[] (`must be a string`, `must be at most 128 characters`):
 * zod's error map for the parse that words a failing body (validation.pipe.ts).
 */
export const describeIssue: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${NOUNS[issue.expected] ?? `a ${issue.expected}`}`;
    case 'too_small':
      return issue.origin === 'string' && Number(issue.minimum) === 1
        ? 'must not be empty'
        : `must be at least ${limit(issue, issue.minimum)}`;
    case 'too_big':
      return `must be at most ${limit(issue, issue.maximum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.join(', ')}`;
    case 'custom':
    case 'invalid_union':
    case 'invalid_element':
    case 'invalid_format':
    case 'invalid_key':
    case 'not_multiple_of':
    case 'unrecognized_keys':
      // Our schemas give these rules their own message (custom checks, unions); any other keeps zod's wording.
      return undefined;
  }
};

export function zodFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({ field: fieldPath(issue.path), message: issue.message }));
}
