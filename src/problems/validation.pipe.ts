import { BallastError, FieldError } from '@ballast/errors';
import { ValidationError, ValidationPipe } from '@nestjs/common';

/** `messages` → `0` → `content` becomes `messages[0].content`. */
function fieldPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) {
    return `${parent}[${property}]`;
  }
  return parent ? `${parent}.${property}` : property;
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = fieldPath(parent, error.property);
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message: message.replace(/^\S+ /, '') }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** class-validator failures become one VALIDATION_FAILED problem naming every field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: false,
    forbidUnknownValues: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fieldErrors = flattenValidationErrors(errors);
      return new BallastError('VALIDATION_FAILED', {
        detail: `The request is not valid: ${fieldErrors
          .map((e) => `${e.field} ${e.message}`)
          .slice(0, 5)
          .join('; ')}.`,
        errors: fieldErrors,
      });
    },
  });
}
