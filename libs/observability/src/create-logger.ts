import pino, { DestinationStream, Logger } from 'pino';
import { requestContext } from './request-context';

export interface LoggerOptions {
  level: string;
  pretty: boolean;
  /** Where JSON lines go; stdout when omitted. Tests pass a capture stream. */
  destination?: DestinationStream;
}

/** Secrets and image bytes never reach a log line, whatever object is logged. */
export const REDACTED_PATHS = [
  'authorization',
  'apiKey',
  'api_key',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.apiKey',
  '*.authorization',
  'image',
  '*.image',
  'image_url',
  '*.image_url',
];

export function createLogger(options: LoggerOptions): Logger {
  const pinoOptions: pino.LoggerOptions = {
    level: options.level,
    base: undefined,
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    // Every line written while serving a request carries its id, whichever logger wrote it.
    mixin: () => {
      const context = requestContext.current();
      if (!context) {
        return {};
      }
      return context.traceId ? { request_id: context.requestId, trace_id: context.traceId } : { request_id: context.requestId };
    },
  };
  if (options.destination) {
    return pino(pinoOptions, options.destination);
  }
  if (options.pretty) {
    return pino({ ...pinoOptions, transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(pinoOptions, pino.destination({ dest: 1, sync: false }));
}
