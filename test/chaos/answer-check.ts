/**
 * What every answer Ballast gives must look like when it is not a success:
 * a problem (or an SSE error event) with a taxonomy code and the request id,
 * and none of the inside showing. Shared by the chaos suite and the benchmarks.
 */
import { isErrorCode } from '@ballast/errors';

/** Text that means the inside leaked: addresses, pids, stacks, socket errors, the upstream's own words. */
export const LEAK_PATTERNS: ReadonlyArray<RegExp> = [
  /0\.0\.0\.0/,
  /127\.0\.0\.1/,
  /localhost/i,
  /pid=/,
  /\bat .+\(.+:\d+:\d+\)/,
  /node_modules/,
  /ECONN(RESET|REFUSED|ABORTED)/,
  /EPIPE|ETIMEDOUT|UND_ERR/,
  /other side closed|fetch failed|\bterminated\b|socket hang up/i,
  /\b(Type|Syntax|Range|Reference)Error\b/,
  /Test upstream|chatcmpl-malformed|upstream_error/,
  /\/v1\/chat\/completions failed/,
];

export function findLeak(text: string, extra: ReadonlyArray<string> = []): string | undefined {
  const pattern = LEAK_PATTERNS.find((p) => p.test(text));
  if (pattern) {
    return `leaked ${pattern}: ${text.slice(0, 300)}`;
  }
  const word = extra.find((w) => text.includes(w));
  return word ? `leaked "${word}": ${text.slice(0, 300)}` : undefined;
}

type HeaderBag = Record<string, unknown>;

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value);
}

/**
 * Checks one non-streaming answer (or a stream refused before its first
 * chunk): success, or a valid problem. Returns what is wrong, or undefined.
 */
export function checkAnswer(status: number, headers: HeaderBag, body: string, extraLeaks: ReadonlyArray<string> = []): string | undefined {
  const requestId = header(headers, 'x-request-id');
  if (!requestId) {
    return `status ${status} without X-Request-Id`;
  }
  if (status >= 200 && status < 300) {
    return undefined;
  }
  const type = header(headers, 'content-type') ?? '';
  if (!type.startsWith('application/problem+json')) {
    return `status ${status} with content-type "${type}"`;
  }
  let problem: { code?: unknown; request_id?: unknown; status?: unknown; retryable?: unknown };
  try {
    problem = JSON.parse(body) as typeof problem;
  } catch {
    return `status ${status} with a body that is not JSON: ${body.slice(0, 200)}`;
  }
  if (!isErrorCode(problem.code)) {
    return `status ${status} with code ${JSON.stringify(problem.code)} outside the taxonomy`;
  }
  if (problem.request_id !== requestId) {
    return `problem request_id ${JSON.stringify(problem.request_id)} is not the X-Request-Id ${requestId}`;
  }
  if (problem.status !== status || typeof problem.retryable !== 'boolean') {
    return `problem status/retryable malformed: ${body.slice(0, 200)}`;
  }
  return findLeak(body + JSON.stringify(headers), extraLeaks);
}

export interface SseTranscript {
  /** The `data:` payloads in order, `[DONE]` included. */
  data: string[];
  /** The payload of `event: error`, when there was one. */
  error?: string;
}

export function parseSse(text: string): SseTranscript {
  const transcript: SseTranscript = { data: [] };
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n');
    const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    if (data.length === 0) {
      continue;
    }
    if (lines.some((l) => l === 'event: error')) {
      transcript.error = data.join('\n');
    } else {
      transcript.data.push(data.join('\n'));
    }
  }
  return transcript;
}

/**
 * Checks a stream that began (status 200, text/event-stream): it ended with
 * `[DONE]`, or with one error event carrying a taxonomy code and the request id.
 */
export function checkStream(headers: HeaderBag, text: string, extraLeaks: ReadonlyArray<string> = []): string | undefined {
  const requestId = header(headers, 'x-request-id');
  if (!requestId) {
    return 'stream without X-Request-Id';
  }
  const transcript = parseSse(text);
  if (transcript.error === undefined) {
    return transcript.data[transcript.data.length - 1] === '[DONE]'
      ? undefined
      : `stream ended without [DONE] or an error event: …${text.slice(-200)}`;
  }
  let event: { error?: { code?: unknown; request_id?: unknown; retryable?: unknown } };
  try {
    event = JSON.parse(transcript.error) as typeof event;
  } catch {
    return `error event that is not JSON: ${transcript.error.slice(0, 200)}`;
  }
  if (!isErrorCode(event.error?.code)) {
    return `error event with code ${JSON.stringify(event.error?.code)} outside the taxonomy`;
  }
  if (event.error?.request_id !== requestId) {
    return `error event request_id ${JSON.stringify(event.error?.request_id)} is not ${requestId}`;
  }
  if (transcript.data.includes('[DONE]')) {
    return 'error event and [DONE] in the same stream';
  }
  return findLeak(transcript.error, extraLeaks);
}
