import { BallastError } from '@ballast/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { assertJsonShape, JsonShapeLimits } from '../problems/json-shape';
import { acceptedCharset } from './body-charset';
import { readBody } from './read-body';

/** What express.urlencoded({ limit: '1mb' }) accepted. */
const URLENCODED_LIMIT = 1024 * 1024;

export interface BodyParserLimits {
  jsonLimit: number;
  shape: JsonShapeLimits;
}

/**
 * Fastify's parsers replaced by Ballast's: JSON and urlencoded read as express.json / express.urlencoded read them
 * (read-body.ts says why by hand), multipart passed through for the vision upload, and any other body left unread.
 */
export function registerBodyParsers(fastify: FastifyInstance, { jsonLimit, shape }: BodyParserLimits): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', (request: FastifyRequest, payload: IncomingMessage) =>
    // No re-entering of the request context here: this runs from the request stream's events, outside it, but
    // Fastify (5.x content-type-parser.js) settles the returned promise through a `done` bound to an AsyncResource
    // made while the onRequest chain ran, so guards, pipe, controller and model router get the context back.
    readBodyIn(request, payload, jsonLimit, JSON_CHARSETS).then(({ bytes }) => parseJson(bytes, shape)),
  );
  fastify.addContentTypeParser('application/x-www-form-urlencoded', (request: FastifyRequest, payload: IncomingMessage) =>
    readBodyIn(request, payload, URLENCODED_LIMIT, URLENCODED_CHARSETS).then(({ bytes, charset }) =>
      // extended: false was Node's querystring; body-parser's parameterLimit (1000) is not enforced here.
      ({ ...parseQuery(bytes.toString(charset === 'iso-8859-1' ? 'latin1' : 'utf8')) }),
    ),
  );
  // Multipart is passed through unread: the vision UploadInterceptor reads it with multer after the guards,
  // limited while receiving, as it did on Express (no body limit or buffering here).
  fastify.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null));
  // Any other body (text/plain, none declared…) is left unread with no `body`, as Express left it: the guards and
  // the validation pipe answer the request, not a 415 before them.
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
}

/** body-parser's json accepted any utf-* it could decode; Ballast reads JSON as UTF-8 bytes only. */
const JSON_CHARSETS = ['utf-8'] as const;
/** What body-parser's urlencoded accepted. */
const URLENCODED_CHARSETS = ['utf-8', 'iso-8859-1'] as const;

/** The body's charset (refused before reading when it is none of `charsets`), then its bytes. */
async function readBodyIn(
  request: FastifyRequest,
  payload: IncomingMessage,
  limit: number,
  charsets: readonly [string, ...string[]],
): Promise<{ bytes: Buffer; charset: string }> {
  const charset = acceptedCharset(request.headers['content-type'], charsets);
  return { bytes: await readBody(payload, request.headers, limit), charset };
}

const INVALID_JSON = 'The request body is not valid JSON.';

/** express.json's behaviour: an empty body is `{}`, the shape is checked on the raw bytes first, and only an object or an array is JSON (strict). */
function parseJson(bytes: Buffer, shape: JsonShapeLimits): unknown {
  if (bytes.length === 0) {
    return {};
  }
  assertJsonShape(bytes, shape);
  const first = firstNonSpace(bytes);
  if (first !== 0x7b && first !== 0x5b) {
    throw new BallastError('VALIDATION_FAILED', { detail: INVALID_JSON });
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (cause) {
    throw new BallastError('VALIDATION_FAILED', { detail: INVALID_JSON, cause });
  }
}

function firstNonSpace(bytes: Buffer): number | undefined {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) {
      return byte;
    }
  }
  return undefined;
}
