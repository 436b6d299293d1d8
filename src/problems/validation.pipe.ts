import { BallastError, FieldError } from '@ballast/errors';
import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import type { RequestLimits } from '../config';
import { precheckOf } from './precheck';

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

export function validationFailed(fieldErrors: FieldError[]): BallastError {
  return new BallastError('VALIDATION_FAILED', {
    detail: `The request is not valid: ${fieldErrors
      .slice(0, 5)
      .map((e) => `${e.field} ${e.message}`)
      .join('; ')}${fieldErrors.length > 5 ? '; …' : ''}. See errors[] for each field.`,
    errors: fieldErrors,
  });
}

/** Runs a DTO's declared prechecks (see `Prechecked`) before class-transformer sees the body. */
class PrecheckingValidationPipe extends ValidationPipe {
  constructor(private readonly limits: RequestLimits) {
    super({
      transform: true,
      whitelist: false,
      forbidUnknownValues: false,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const precheck = precheckOf(metadata.metatype);
    const problems = precheck ? precheck(value, this.limits) : [];
    if (problems.length > 0) {
      throw validationFailed(problems);
    }
    return super.transform(value, metadata);
  }
}

/** class-validator failures become one VALIDATION_FAILED problem naming every field. */
export function createValidationPipe(limits: RequestLimits): ValidationPipe {
  return new PrecheckingValidationPipe(limits);
}
