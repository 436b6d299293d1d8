import type { ReadBody } from './read-body';

/** What an upstream's error body says, in the shapes OpenAI-compatible servers use. */
export interface ErrorBody {
  /** The human-readable message (`error.message`, `error` as a string, `message`, `detail`), or the raw text. */
  message: string;
  /** Machine-readable codes and types, lower-cased (`error.code`, `error.type`, `innererror.code`, `error_type`…). */
  codes: string[];
  /** The object holding the error's fields (llama.cpp puts `n_ctx` and `n_prompt_tokens` there). */
  fields: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function parse(text: string): Json | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Reads OpenAI's `{error: {message, type, code}}`, vLLM's older flat
 * `{object: "error", message, code}`, llama.cpp's `{error: {…, n_ctx}}`,
 * Ollama's and TGI's `{error: "…"}` and FastAPI's (Xinference) `{detail: "…"}`.
 * A body cut at the read limit is not JSON: its text is the message.
 */
export function errorBodyOf(body: ReadBody): ErrorBody {
  const json = body.cut ? undefined : parse(body.text);
  if (!json) {
    return { message: body.text, codes: [], fields: {} };
  }
  const nested = asObject(json.error);
  const fields = nested ?? json;
  const message = text(fields.message) ?? text(json.error) ?? text(json.message) ?? text(json.detail) ?? body.text;
  const codes = [fields.code, fields.type, asObject(fields.innererror)?.code, json.code, json.type, json.error_type]
    .filter((value): value is string => typeof value === 'string')
    .map((value) => value.toLowerCase());
  return { message, codes, fields };
}
