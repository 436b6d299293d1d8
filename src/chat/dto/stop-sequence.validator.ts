import { registerDecorator, ValidationOptions } from 'class-validator';

const isStop = (value: unknown): boolean =>
  (typeof value === 'string' && value.length > 0 && value.length <= 256) ||
  (Array.isArray(value) && value.length <= 4 && value.every((item) => typeof item === 'string' && item.length > 0 && item.length <= 256));

/** OpenAI's `stop`: one string or up to 4, each 1-256 characters. */
export function IsStopSequence(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isStopSequence',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: 'stop must be a string or up to 4 strings of 1-256 characters', ...options },
      validator: { validate: isStop },
    });
}
