/** @ballast/client: the public face. The React hook is the `@ballast/client/react` subpath. */
export { BallastClient } from './ballast-client';
export type { BallastClientOptions } from './ballast-client';
export { BallastProblem, isBallastProblem, parseRetryAfter } from './ballast-problem';
export type { BallastProblemInit, ClientProblemCode, FieldError } from './ballast-problem';
export type { RetryOptions } from './retry.policy';
export type { FetchFunction } from './transport';
export type {
  AnalyzeImageRequest,
  CallInfo,
  CallOptions,
  ChatMessage,
  ChatRequest,
  ChatResult,
  ChatRole,
  ImageInput,
  OcrRequest,
  StreamEvent,
  Usage,
  VisionImage,
  VisionResult,
} from './types';
