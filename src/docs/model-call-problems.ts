import type { ErrorCode } from '@ballast/errors';

/** What any call routed to a model can answer with, beside the route's own input problems. */
export const MODEL_CALL_PROBLEMS: ErrorCode[] = [
  'MODEL_NOT_FOUND',
  'CONTEXT_LENGTH_EXCEEDED',
  'CONTENT_REJECTED',
  'UPSTREAM_BAD_RESPONSE',
  'UPSTREAM_UNAVAILABLE',
  'CIRCUIT_OPEN',
  'MODEL_OVERLOADED',
  'ALL_ROUTES_FAILED',
  'MODEL_TIMEOUT',
];

/** What an image can be refused for, wherever it comes in. */
export const IMAGE_PROBLEMS: ErrorCode[] = ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'IMAGE_UNREADABLE', 'IMAGE_TOO_LARGE'];
