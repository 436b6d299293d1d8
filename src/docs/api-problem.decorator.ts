import { BallastError, ERROR_CATALOG, ErrorCode, toProblem } from '@ballast/errors';
import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { ResponseObject } from '@nestjs/swagger';
import { ProblemDetailsDto } from './problem-details.dto';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const EXAMPLE_REQUEST_ID = '0197a5f0-6c1e-7c3a-9b1e-3f0d2a4b5c6d';

function example(code: ErrorCode, instance?: string) {
  const definition = ERROR_CATALOG[code];
  const retryAfterSeconds = definition.retryable && (definition.status === 429 || definition.status === 503) ? 1 : undefined;
  return toProblem(new BallastError(code, { retryAfterSeconds }), { requestId: EXAMPLE_REQUEST_ID, instance });
}

/** The OpenAPI response object for a set of codes sharing one status: the problem schema, one example per code. */
export function problemResponse(status: number, codes: ErrorCode[], instance?: string): ResponseObject {
  return {
    description: codes.map((code) => `\`${code}\`: ${ERROR_CATALOG[code].title}`).join('; '),
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: getSchemaPath(ProblemDetailsDto) },
        examples: Object.fromEntries(codes.map((code) => [code, { summary: ERROR_CATALOG[code].title, value: example(code, instance) }])),
      },
    },
  };
}

/**
 * Documents the problems a route can answer with, grouped by status:
 *
 *   @ApiProblemResponses('VALIDATION_FAILED', 'MODEL_NOT_FOUND', 'MODEL_TIMEOUT')
 *
 * Every /v1 route also gets UNAUTHENTICATED, RATE_LIMITED, INTERNAL_ERROR
 * and SHUTTING_DOWN added by setupDocs, so list only the route's own.
 */
export function ApiProblemResponses(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CATALOG[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto),
    ...[...byStatus].map(([status, group]) => ApiResponse({ status, ...problemResponse(status, group) })),
  );
}
