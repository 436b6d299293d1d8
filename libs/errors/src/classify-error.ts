import { BallastError } from './ballast-error';
import { ErrorCode } from './error-catalog';

/** Errors raised by Express, body-parser and multer carry these. */
interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  code?: unknown;
  name?: unknown;
  getStatus?: () => number;
}

const BODY_PARSER_TYPES: Record<string, [ErrorCode, string]> = {
  'entity.parse.failed': ['VALIDATION_FAILED', 'The request body is not valid JSON.'],
  'entity.too.large': ['PAYLOAD_TOO_LARGE', 'The request body is larger than this server accepts.'],
  'encoding.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'The request body uses a content encoding this server does not accept.'],
  'charset.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'The request body uses a character set this server does not accept; send UTF-8.'],
  'request.aborted': ['VALIDATION_FAILED', 'The request body ended before it was complete.'],
  'request.size.invalid': ['VALIDATION_FAILED', 'The request body is shorter or longer than its Content-Length says.'],
  'stream.encoding.set': ['INTERNAL_ERROR', 'The request body could not be read.'],
};

const MULTER_CODES: Record<string, [ErrorCode, string]> = {
  LIMIT_FILE_SIZE: ['PAYLOAD_TOO_LARGE', 'The uploaded file is larger than this server accepts.'],
  LIMIT_PART_COUNT: ['VALIDATION_FAILED', 'The form has too many parts.'],
  LIMIT_FILE_COUNT: ['VALIDATION_FAILED', 'Upload exactly one file, in the "image" field.'],
  LIMIT_FIELD_KEY: ['VALIDATION_FAILED', 'A form field name is too long.'],
  LIMIT_FIELD_VALUE: ['PAYLOAD_TOO_LARGE', 'A form field value is too long.'],
  LIMIT_FIELD_COUNT: ['VALIDATION_FAILED', 'The form has too many fields.'],
  LIMIT_UNEXPECTED_FILE: ['VALIDATION_FAILED', 'Unexpected file field; upload the file in the "image" field.'],
  MISSING_FIELD_NAME: ['VALIDATION_FAILED', 'A form part has no field name.'],
};

function statusOf(error: HttpishError): number | undefined {
  if (typeof error.getStatus === 'function') {
    return error.getStatus();
  }
  const status = error.status ?? error.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'VALIDATION_FAILED';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 408:
      return 'REQUEST_TIMEOUT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    case 503:
      return 'UPSTREAM_UNAVAILABLE';
    case 504:
      return 'MODEL_TIMEOUT';
    default:
      return status >= 400 && status < 500 ? 'VALIDATION_FAILED' : 'INTERNAL_ERROR';
  }
}

/**
 * Turns anything thrown into a taxonomy error. Foreign messages are kept
 * only as the `cause`: the client sees the catalog's text or ours.
 */
export function classifyError(thrown: unknown): BallastError {
  if (thrown instanceof BallastError) {
    return thrown;
  }
  if (thrown === null || typeof thrown !== 'object') {
    return new BallastError('INTERNAL_ERROR', { cause: thrown });
  }
  const error = thrown as HttpishError;
  if (typeof error.type === 'string' && BODY_PARSER_TYPES[error.type]) {
    const [code, detail] = BODY_PARSER_TYPES[error.type];
    return new BallastError(code, { detail, cause: thrown });
  }
  if (error.name === 'MulterError' && typeof error.code === 'string' && MULTER_CODES[error.code]) {
    const [code, detail] = MULTER_CODES[error.code];
    return new BallastError(code, { detail, cause: thrown });
  }
  const status = statusOf(error);
  if (status !== undefined && status >= 400 && status < 600) {
    return new BallastError(codeForStatus(status), { cause: thrown });
  }
  return new BallastError('INTERNAL_ERROR', { cause: thrown });
}
