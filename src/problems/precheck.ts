import { FieldError } from '@ballast/errors';
import type { RequestLimits } from '../config';

/** Cheap checks of a raw body (sizes, lengths, counts), run before any per-element work. */
export type Precheck = (value: unknown, limits: RequestLimits) => FieldError[];

const PRECHECKS = new WeakMap<object, Precheck>();

/**
 * Declares on a DTO class the size checks the validation pipe runs on the
 * plain body before its schema walks it. The sizes are settings (read at
 * boot), so they live here rather than in the static schema: a body of a
 * million messages is refused by one `length` comparison, not after a
 * million parsed messages and a million errors.
 */
export function Prechecked(check: Precheck): ClassDecorator {
  return (target) => {
    PRECHECKS.set(target, check);
  };
}

export function precheckOf(metatype: unknown): Precheck | undefined {
  return typeof metatype === 'function' ? PRECHECKS.get(metatype) : undefined;
}
