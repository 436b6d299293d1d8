import { BallastError, ProblemDetails } from '@ballast/errors';
import type { ServerResponse } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Writes a problem as the whole HTTP response: status, headers, body, straight to the raw Node response. */
export function sendProblem(res: ServerResponse, error: BallastError, problem: ProblemDetails): void {
  res.statusCode = problem.status;
  res.setHeader('Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
  res.setHeader('Cache-Control', 'no-store');
  if (error.retryAfterSeconds !== undefined) {
    res.setHeader('Retry-After', String(error.retryAfterSeconds));
  }
  res.end(JSON.stringify(problem));
}
