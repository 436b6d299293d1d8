import { BallastError, FieldError } from './ballast-error';
import { ERROR_CATALOG, OpenAiErrorType, problemSlug, ErrorCode } from './error-catalog';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: ErrorCode;
  request_id?: string;
  retryable: boolean;
  retry_after?: number;
  errors?: FieldError[];
  error: { message: string; type: OpenAiErrorType; code: ErrorCode };
  debug?: DebugInfo;
  [extension: string]: unknown;
}

export interface DebugInfo {
  name: string;
  message: string;
  stack?: string;
  causes: Array<{ name: string; message: string; stack?: string }>;
  upstream?: { provider?: string; status?: number; body?: unknown };
}

export interface ProblemContext {
  instance?: string;
  requestId?: string;
  /** Development only: explain everything. */
  includeDebug?: boolean;
}

/** A problem lists at most this many field errors, and says how many there were in all. */
export const MAX_FIELD_ERRORS = 20;

export function problemType(code: ErrorCode): string {
  return `/problems/${problemSlug(code)}`;
}

/** The RFC 9457 body for an error; the one place the wire shape is decided. */
export function toProblem(error: BallastError, context: ProblemContext = {}): ProblemDetails {
  const definition = ERROR_CATALOG[error.code];
  const problem: ProblemDetails = {
    ...(error.extensions ?? {}),
    type: problemType(error.code),
    title: definition.title,
    status: definition.status,
    detail: error.detail,
    instance: context.instance,
    code: error.code,
    request_id: context.requestId,
    retryable: definition.retryable,
    error: { message: error.detail, type: definition.openaiType, code: error.code },
  };
  if (error.retryAfterSeconds !== undefined) {
    problem.retry_after = error.retryAfterSeconds;
  }
  if (error.errors?.length) {
    problem.errors = error.errors.slice(0, MAX_FIELD_ERRORS);
    if (error.errors.length > MAX_FIELD_ERRORS) {
      problem.errors_total = error.errors.length;
    }
  }
  if (context.includeDebug) {
    problem.debug = debugInfo(error);
  }
  return problem;
}

function describe(value: unknown): { name: string; message: string; stack?: string } {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  return { name: typeof value, message: safeString(value) };
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

/** The cause chain, oldest last, bounded so a cycle cannot loop forever. */
export function causeChain(error: unknown, limit = 10): unknown[] {
  const chain: unknown[] = [];
  let current = error instanceof Error ? error.cause : undefined;
  while (current !== undefined && chain.length < limit) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

function debugInfo(error: BallastError): DebugInfo {
  const root = causeChain(error)[0];
  const described = describe(root ?? error);
  return {
    ...described,
    stack: described.stack ?? error.stack,
    causes: causeChain(error).map(describe),
    upstream: error.upstream,
  };
}
