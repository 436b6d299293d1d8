import { BallastError, FieldError } from '@ballast/errors';
import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { isZodDto } from 'nestjs-zod/dto';
import type { z } from 'zod';
import type { RequestLimits } from '../config';
import { precheckOf } from './precheck';
import { describeIssue, zodFieldErrors } from './zod-field-errors';

export function validationFailed(fieldErrors: FieldError[]): BallastError {
  return new BallastError('VALIDATION_FAILED', {
    detail: `The request is not valid: ${fieldErrors
      .slice(0, 5)
      .map((e) => `${e.field} ${e.message}`)
      .join('; ')}${fieldErrors.length > 5 ? '; …' : ''}. See errors[] for each field.`,
    errors: fieldErrors,
  });
}

/**
 * Validates every argument typed with a zod DTO (`createZodDto`): first the
 * DTO's declared prechecks on the plain body (see `Prechecked`), then its
 * schema, compiled once by zod. Anything else (path params, headers) passes
 * as it is. nestjs-zod's own ZodValidationPipe is not used: it runs no
 * precheck, and it calls `parse` without the error map that words errors[],
 * throwing a ZodError (a stack capture) where `safeParse` returns the issues.
 */
class RequestValidationPipe implements PipeTransform {
  constructor(private readonly limits: RequestLimits) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const { metatype } = metadata;
    if (!isZodDto(metatype)) {
      return value;
    }
    const precheck = precheckOf(metatype);
    const problems = precheck ? precheck(value, this.limits) : [];
    if (problems.length > 0) {
      throw validationFailed(problems);
    }
    const schema = metatype.schema as z.ZodType;
    const result = schema.safeParse(value);
    if (result.success) {
      return result.data;
    }
    // Worded by a second parse: an error map passed to every parse costs ~1.5 µs even when the body is valid
    // (bench/micro/validation.ts); the body is bounded by the prechecks, so a failure may pay twice.
    throw validationFailed(zodFieldErrors((schema.safeParse(value, { error: describeIssue }).error ?? result.error).issues));
  }
}

/** Schema failures become one VALIDATION_FAILED problem naming every field. */
export function createValidationPipe(limits: RequestLimits): PipeTransform {
  return new RequestValidationPipe(limits);
}
