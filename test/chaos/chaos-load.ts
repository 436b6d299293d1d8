/** Bounded concurrent load for the chaos suite: N clients, each sending one request after another for a while. */
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { checkAnswer, checkStream } from './answer-check';

export interface Outcome {
  stream: boolean;
  /** HTTP status; 0 when no answer came at all (hung or connection error). */
  status: number;
  requestId?: string;
  /** 'success', a taxonomy code (problem or SSE error event), 'hung' or 'no-answer'. */
  result: string;
  /** What broke the error contract, if anything. */
  violation?: string;
  ms: number;
}

export interface LoadOptions {
  url: string;
  clients: number;
  durationMs: number;
  /** A request still unanswered this long after it was sent counts as hung. */
  hangAfterMs: number;
  /** Words that must never reach a client (the upstream's port, …). */
  extraLeaks: string[];
}

function resultOf(status: number, stream: boolean, text: string): string {
  if (stream && status === 200) {
    const error = text.split('\n\n').find((event) => event.startsWith('event: error'));
    if (!error) {
      return 'success';
    }
    const data = error.split('\n').find((line) => line.startsWith('data: '));
    return String((JSON.parse(data!.slice(6)) as { error: { code: string } }).error.code);
  }
  if (status >= 200 && status < 300) {
    return 'success';
  }
  try {
    return String((JSON.parse(text) as { code?: unknown }).code);
  } catch {
    return `status ${status}`;
  }
}

async function one(agent: Agent, options: LoadOptions, stream: boolean, sequence: number): Promise<Outcome> {
  const startedAt = performance.now();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.hangAfterMs);
  try {
    const response = await agent.request({
      origin: options.url,
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `request ${sequence}` }], stream }),
      signal: abort.signal,
    });
    const text = await response.body.text();
    const headers = response.headers as Record<string, unknown>;
    const isStream = String(headers['content-type'] ?? '').startsWith('text/event-stream');
    const violation = isStream
      ? checkStream(headers, text, options.extraLeaks)
      : checkAnswer(response.statusCode, headers, text, options.extraLeaks);
    return {
      stream,
      status: response.statusCode,
      requestId: headers['x-request-id'] as string | undefined,
      result: violation ? 'invalid' : resultOf(response.statusCode, isStream, text),
      violation,
      ms: performance.now() - startedAt,
    };
  } catch (error) {
    return {
      stream,
      status: 0,
      result: abort.signal.aborted ? 'hung' : 'no-answer',
      violation: abort.signal.aborted ? `no answer within ${options.hangAfterMs} ms` : `no HTTP answer: ${String(error)}`,
      ms: performance.now() - startedAt,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Every client alternates non-streaming and streaming requests until the time is up; resolves when all have ended. */
export async function runLoad(options: LoadOptions): Promise<Outcome[]> {
  const agent = new Agent({ connections: null, headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 1000 });
  const outcomes: Outcome[] = [];
  const until = performance.now() + options.durationMs;
  let sequence = 0;
  try {
    await Promise.all(
      Array.from({ length: options.clients }, async (_, client) => {
        for (let i = client; performance.now() < until; i++) {
          outcomes.push(await one(agent, options, i % 2 === 1, sequence++));
        }
      }),
    );
  } finally {
    await agent.destroy();
  }
  return outcomes;
}

/** Counts outcomes by result, e.g. { success: 120, MODEL_TIMEOUT: 30 }. */
export function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = `${o.stream ? 'stream' : 'plain'}:${o.result}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
