export {
  ERROR_CATALOG,
  ERROR_CODES,
  assertUnreachable,
  attemptFailureRule,
  isTransientCode,
  codeFromSlug,
  errorDefinition,
  isErrorCode,
  problemSlug,
} from './error-catalog';
export type { AttemptFailureRule, ErrorCode, ErrorDefinition, OpenAiErrorType } from './error-catalog';
export { BallastError, isBallastError } from './ballast-error';
export type { BallastErrorOptions, FieldError, UpstreamDiagnostics } from './ballast-error';
export { classifyError } from './classify-error';
export { causeChain, MAX_FIELD_ERRORS, problemType, toProblem } from './problem';
export type { DebugInfo, ProblemContext, ProblemDetails } from './problem';
