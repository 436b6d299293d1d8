import { BallastError } from './ballast-error';
import { ErrorCode } from './error-catalog';

/** Errors raised by body-parser (and Ballast's own body reading), multer, Fastify and Nest carry these. */
interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  code?: unknown;
  name?: unknown;
  /** body-parser's and Ballast's body errors: the limit that was passed, in bytes. */
  limit?: unknown;
  getStatus?: () => number;
}

/** The code, and the detail the client gets (made from the error when it says more than the code). */
type Mapping = readonly [ErrorCode, string | ((error: HttpishError) => string)];

function bodyTooLarge(error: HttpishError): string {
  return typeof error.limit === 'number'
    ? `The request body is larger than the ${error.limit} bytes this server accepts.`
    : 'The request body is larger than this server accepts.';
}

/** body-parser's error `type`s, which Ballast's own body reading (src/server/read-body.ts) raises in the same situations. */
const BODY_PARSER_TYPES: Record<string, Mapping> = {
  'entity.parse.failed': ['VALIDATION_FAILED', 'The request body is not valid JSON.'],
  'entity.too.large': ['PAYLOAD_TOO_LARGE', bodyTooLarge],
  'encoding.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'The request body uses a content encoding this server does not accept.'],
  // Ballast's: body-parser passed zlib's own error on (Z_DATA_ERROR…), which Ballast answered with this.
  'encoding.invalid': ['VALIDATION_FAILED', 'The request body is not valid for its Content-Encoding.'],
  'charset.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'The request body uses a character set this server does not accept; send UTF-8.'],
  'request.aborted': ['VALIDATION_FAILED', 'The request body ended before it was complete.'],
  'request.size.invalid': ['VALIDATION_FAILED', 'The request body is shorter or longer than its Content-Length says.'],
  'stream.encoding.set': ['INTERNAL_ERROR', 'The request body could not be read.'],
};

/** Fastify's own refusals (a FastifyError's `code`); those about the body answer what body-parser's did in the same situation. */
const FASTIFY_CODES: Record<string, Mapping> = {
  FST_ERR_CTP_BODY_TOO_LARGE: BODY_PARSER_TYPES['entity.too.large'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: BODY_PARSER_TYPES['request.size.invalid'],
  FST_ERR_CTP_EMPTY_JSON_BODY: BODY_PARSER_TYPES['entity.parse.failed'],
  // Every content type has a parser (configure-app), so this is a Content-Type header that is no media type at all.
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'The Content-Type header is not a valid media type.'],
  FST_ERR_BAD_URL: ['VALIDATION_FAILED', 'The request path is not valid percent-encoding.'],
  FST_ERR_MAX_PARAM_LENGTH: ['VALIDATION_FAILED', 'A path segment is longer than this server accepts.'],
};

const MULTER_CODES: Record<string, Mapping> = {
  LIMIT_FILE_SIZE: ['PAYLOAD_TOO_LARGE', 'The uploaded file is larger than this server accepts.'],
  LIMIT_PART_COUNT: ['VALIDATION_FAILED', 'The form has too many parts.'],
  LIMIT_FILE_COUNT: ['VALIDATION_FAILED', 'Upload exactly one file, in the "image" field.'],
  LIMIT_FIELD_KEY: ['VALIDATION_FAILED', 'A form field name is too long.'],
  LIMIT_FIELD_VALUE: ['PAYLOAD_TOO_LARGE', 'A form field value is too long.'],
  LIMIT_FIELD_COUNT: ['VALIDATION_FAILED', 'The form has too many fields.'],
  LIMIT_UNEXPECTED_FILE: ['VALIDATION_FAILED', 'Unexpected file field; upload the file in the "image" field.'],
  MISSING_FIELD_NAME: ['VALIDATION_FAILED', 'A form part has no field name.'],
};

function mappingOf(error: HttpishError): Mapping | undefined {
  if (typeof error.type === 'string' && Object.hasOwn(BODY_PARSER_TYPES, error.type)) {
    return BODY_PARSER_TYPES[error.type];
  }
  if (typeof error.code !== 'string') {
    return undefined;
  }
  if (error.name === 'MulterError' && Object.hasOwn(MULTER_CODES, error.code)) {
    return MULTER_CODES[error.code];
  }
  if (error.name === 'FastifyError' && Object.hasOwn(FASTIFY_CODES, error.code)) {
    return FASTIFY_CODES[error.code];
  }
  return undefined;
}

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
  const mapping = mappingOf(error);
  if (mapping) {
    const [code, detail] = mapping;
    return new BallastError(code, { detail: typeof detail === 'function' ? detail(error) : detail, cause: thrown });
  }
  const status = statusOf(error);
  if (status !== undefined && status >= 400 && status < 600) {
    return new BallastError(codeForStatus(status), { cause: thrown });
  }
  return new BallastError('INTERNAL_ERROR', { cause: thrown });
}
