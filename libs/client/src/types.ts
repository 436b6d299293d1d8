/** The wire shapes the client speaks (contract sections 2–4), reduced to what callers read. */
import type { BallastProblem } from './ballast-problem';

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: ChatRole;
  content: string | Array<{ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } }>;
}

/** An OpenAI Chat Completions request; fields the client does not know are sent as they are. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  stop?: string | string[];
  [field: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What Ballast said about the call besides the body (response headers). */
export interface CallInfo {
  requestId?: string;
  /** `X-Model-Used`: public-name/provider/model of the entry that answered. */
  model?: string;
  fallback: boolean;
  /** Requests this client made for the call (1 when nothing was retried). */
  attempts: number;
}

export interface ChatResult extends CallInfo {
  text: string;
  usage?: Usage;
  /** The OpenAI chat.completion body as Ballast sent it. */
  completion: Record<string, unknown>;
}

export interface VisionImage {
  width: number;
  height: number;
  format: string;
  /** What normalisation changed, e.g. `orientation`, `metadata_stripped`, `re_encoded:jpeg`. */
  corrections: string[];
  original?: { width: number; height: number; format: string; bytes: number };
}

export interface VisionResult extends CallInfo {
  text: string;
  /** OCR only: 0..1, or null when a vision-language model transcribed the text. */
  confidence?: number | null;
  image: VisionImage;
}

/** An image for analyzeImage() and ocr(): a Blob or File (browsers), or raw bytes. */
export type ImageInput = Blob | ArrayBuffer | Uint8Array;

export interface AnalyzeImageRequest {
  image: ImageInput;
  prompt: string;
  model?: string;
  /** The file name sent in the multipart body (default "image"). */
  filename?: string;
}

export interface OcrRequest {
  image: ImageInput;
  model?: string;
  filename?: string;
}

/** What stream() yields, in order: open, then deltas (with retry/resume/fallback as they happen), then done or error. */
export type StreamEvent =
  | { type: 'open'; requestId?: string; model?: string; fallback: boolean }
  | { type: 'delta'; text: string }
  | { type: 'retry'; attempt: number; delayMs: number; code: string }
  | { type: 'resume'; after: number }
  | { type: 'fallback'; model: string }
  | { type: 'error'; problem: BallastProblem; text: string; partial: boolean }
  | { type: 'done'; text: string; usage?: Usage };

/** Per call; each overrides the client's option of the same name. */
export interface CallOptions {
  /** Cancels the call at once, a pending backoff included; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The whole call, every attempt and wait included. */
  deadlineMs?: number;
  maxAttempts?: number;
  /** stream() only: ask for a resumable stream (`X-Ballast-Resumable: true`). */
  resumable?: boolean;
}
