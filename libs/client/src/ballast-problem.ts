/** A failed call, as one typed error: Ballast's problem details (contract section 3), or what the client saw itself. */

/** Codes the client raises itself, beside the server's taxonomy. */
export type ClientProblemCode =
  /** The connection failed or broke before an answer (retried). */
  | 'NETWORK_ERROR'
  /** The call's deadline passed. */
  | 'DEADLINE_EXCEEDED'
  /** A stream broke mid-way and could not be resumed; the text so far is kept, marked partial. */
  | 'STREAM_INTERRUPTED'
  /** An answer that is not Ballast's (no problem body, or unreadable). */
  | 'BAD_RESPONSE';

export interface FieldError {
  field: string;
  message: string;
}

export interface BallastProblemInit {
  code: string;
  title: string;
  detail: string;
  retryable: boolean;
  status?: number;
  type?: string;
  instance?: string;
  requestId?: string;
  retryAfter?: number;
  errors?: FieldError[];
  cause?: unknown;
}

const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export class BallastProblem extends Error {
  override readonly name = 'BallastProblem';
  /** The taxonomy code (`MODEL_TIMEOUT`, `VALIDATION_FAILED`, …) or a ClientProblemCode. */
  readonly code: string;
  /** The HTTP status; undefined for a stream's error event and for problems the client raised itself. */
  readonly status?: number;
  readonly title: string;
  readonly detail: string;
  /** `/problems/<slug>`: a page explaining the code, relative to the Ballast base URL. */
  readonly type?: string;
  readonly instance?: string;
  readonly requestId?: string;
  readonly retryable: boolean;
  /** Seconds to wait before trying again (`retry_after` or the `Retry-After` header). */
  readonly retryAfter?: number;
  /** VALIDATION_FAILED only: each field to fix. */
  readonly errors: FieldError[];

  constructor(init: BallastProblemInit) {
    super(init.detail, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.type = init.type;
    this.instance = init.instance;
    this.requestId = init.requestId;
    this.retryable = init.retryable;
    this.retryAfter = init.retryAfter;
    this.errors = init.errors ?? [];
  }

  static client(code: ClientProblemCode, detail: string, extra: Partial<BallastProblemInit> = {}): BallastProblem {
    const titles: Record<ClientProblemCode, string> = {
      NETWORK_ERROR: 'Network error',
      DEADLINE_EXCEEDED: 'Deadline exceeded',
      STREAM_INTERRUPTED: 'Stream interrupted',
      BAD_RESPONSE: 'Unexpected response',
    };
    return new BallastProblem({ code, title: titles[code], detail, retryable: code === 'NETWORK_ERROR', ...extra });
  }

  /** A non-2xx answer. Reads the body; anything that is not problem+json becomes BAD_RESPONSE, retryable by its status. */
  static async fromResponse(res: Response): Promise<BallastProblem> {
    const headerId = res.headers.get('x-request-id') ?? undefined;
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
    let body: unknown;
    try {
      body = JSON.parse(await res.text());
    } catch {
      body = undefined;
    }
    const p = isRecord(body) ? body : {};
    if (typeof p.code === 'string' && typeof p.title === 'string') {
      return new BallastProblem({
        code: p.code,
        status: res.status,
        title: p.title,
        detail: typeof p.detail === 'string' ? p.detail : p.title,
        type: typeof p.type === 'string' ? p.type : undefined,
        instance: typeof p.instance === 'string' ? p.instance : undefined,
        requestId: typeof p.request_id === 'string' ? p.request_id : headerId,
        retryable: p.retryable === true,
        retryAfter: typeof p.retry_after === 'number' ? p.retry_after : retryAfter,
        errors: Array.isArray(p.errors) ? (p.errors as FieldError[]) : undefined,
      });
    }
    const message = isRecord(p.error) && typeof p.error.message === 'string' ? p.error.message : undefined;
    return BallastProblem.client('BAD_RESPONSE', message ?? `The server answered HTTP ${res.status}.`, {
      status: res.status,
      title: `HTTP ${res.status}`,
      requestId: headerId,
      retryable: RETRYABLE_STATUSES.has(res.status),
      retryAfter,
    });
  }

  /** The data of an SSE `event: error`: `{error: {message, type, code, retryable, request_id}, partial}`. */
  static fromStreamError(data: string, requestId: string | undefined): BallastProblem {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      parsed = undefined;
    }
    const e = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : {};
    const code = typeof e.code === 'string' ? e.code : 'BAD_RESPONSE';
    return new BallastProblem({
      code,
      title: titleOf(code),
      detail: typeof e.message === 'string' ? e.message : 'The stream ended with an error.',
      type: typeof e.code === 'string' ? `/problems/${code.toLowerCase().replace(/_/g, '-')}` : undefined,
      requestId: typeof e.request_id === 'string' ? e.request_id : requestId,
      retryable: e.retryable === true,
    });
  }
}

export function isBallastProblem(value: unknown): value is BallastProblem {
  return value instanceof Error && value.name === 'BallastProblem';
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') {
    return undefined;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** An error event carries no title; "MODEL_TIMEOUT" reads as "Model timeout". */
function titleOf(code: string): string {
  const words = code.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
