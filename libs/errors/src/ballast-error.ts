import { ErrorCode, errorDefinition } from './error-catalog';

export interface FieldError {
  field: string;
  message: string;
}

/** What an upstream said, kept for logs and development `debug` only. */
export interface UpstreamDiagnostics {
  provider?: string;
  status?: number;
  body?: unknown;
  /** CONTEXT_LENGTH_EXCEEDED: the entry's window and what the request needed, when the upstream said (for routing to a larger entry). */
  contextLength?: { maxTokens?: number; requestedTokens?: number };
}

export interface BallastErrorOptions {
  /** Client-safe explanation; defaults to the catalog's text for the code. */
  detail?: string;
  /** Per-field problems, for VALIDATION_FAILED. */
  errors?: FieldError[];
  /** Seconds the client should wait, when there is an honest estimate. */
  retryAfterSeconds?: number;
  /** Extra client-safe members of the problem body. */
  extensions?: Record<string, unknown>;
  /** The internal story: never sent to a client in production. */
  cause?: unknown;
  upstream?: UpstreamDiagnostics;
  /** Refused by Ballast's own load shedding (a full bulkhead or queue): never a mark against an upstream's breaker. */
  shed?: boolean;
}

/**
 * The one error type Ballast throws on purpose. Its `detail` is written for
 * the client; everything that must not leave the process goes in `cause`
 * and `upstream`.
 */
export class BallastError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly errors?: FieldError[];
  readonly retryAfterSeconds?: number;
  readonly extensions?: Record<string, unknown>;
  declare readonly upstream?: UpstreamDiagnostics;
  readonly shed: boolean;

  constructor(code: ErrorCode, options: BallastErrorOptions = {}) {
    const detail = options.detail ?? errorDefinition(code).detail;
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BallastError';
    this.code = code;
    this.detail = detail;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.extensions = options.extensions;
    // Not enumerable: loggers copy an error's own fields, and the upstream's excerpt is logged once, beside it, by whoever logs the error.
    Object.defineProperty(this, 'upstream', { value: options.upstream, enumerable: false });
    this.shed = options.shed ?? false;
  }

  get status(): number {
    return errorDefinition(this.code).status;
  }

  get retryable(): boolean {
    return errorDefinition(this.code).retryable;
  }

  /** The same error with a wait estimate, keeping everything else. */
  withRetryAfter(seconds: number | undefined): BallastError {
    return new BallastError(this.code, {
      detail: this.detail,
      errors: this.errors,
      retryAfterSeconds: seconds,
      extensions: this.extensions,
      cause: this.cause,
      upstream: this.upstream,
      shed: this.shed,
    });
  }
}

export function isBallastError(value: unknown): value is BallastError {
  return value instanceof BallastError;
}
