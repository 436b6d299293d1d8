import { BallastProblem, isBallastProblem } from './ballast-problem';
import type { CallScope } from './call-scope';
import type { RetryOptions } from './retry.policy';
import { readSse } from './sse-reader';
import { RetryEvent, Transport, withRetries } from './transport';
import type { ChatRequest, StreamEvent, Usage } from './types';

export interface ChatStreamContext {
  transport: Transport;
  scope: CallScope;
  retry: Required<RetryOptions>;
  random: () => number;
  resumable: boolean;
}

/** What has arrived so far; survives a resume. */
interface Progress {
  text: string;
  usage?: Usage;
  requestId?: string;
  lastEventId?: string;
  lastSeq?: number;
}

type Ending = { kind: 'done' } | { kind: 'failed'; problem: BallastProblem } | { kind: 'broken'; problem: BallastProblem };

const CONTINUED = /^continued\s+(.+)$/;

/**
 * One streamed chat call (contract section 4): POST with retries until the
 * stream opens; deltas as they arrive; on a break mid-way, a resume with
 * Last-Event-ID when the stream was asked to be resumable, otherwise an
 * error event that keeps the text so far, marked partial. Never re-POSTs
 * once text has arrived. Rejects only when the caller aborts.
 */
export async function* chatStream(request: ChatRequest, ctx: ChatStreamContext): AsyncGenerator<StreamEvent, void> {
  const { transport, scope } = ctx;
  const progress: Progress = { text: '' };
  const body = JSON.stringify({ stream_options: { include_usage: true }, ...request, stream: true });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (ctx.resumable) {
    headers['x-ballast-resumable'] = 'true';
  }
  try {
    const opened = yield* retrying(ctx, () => transport.send('/v1/chat/completions', { method: 'POST', body, headers }, scope), 1);
    let res = opened.value;
    let attempts = opened.attempts;
    progress.requestId = res.headers.get('x-request-id') ?? undefined;
    const model = res.headers.get('x-model-used') ?? undefined;
    const fallback = res.headers.get('x-fallback-used') === 'true';
    yield { type: 'open', requestId: progress.requestId, model, fallback };
    if (fallback && model) {
      yield { type: 'fallback', model };
    }
    for (;;) {
      const ending = yield* readEvents(res, progress, scope);
      if (ending.kind === 'done') {
        yield { type: 'done', text: progress.text, usage: progress.usage };
        return;
      }
      if (ending.kind === 'failed' || !ctx.resumable || progress.lastEventId === undefined || progress.requestId === undefined) {
        yield failure(ending.problem, progress);
        return;
      }
      if (attempts >= ctx.retry.maxAttempts) {
        yield failure(ending.problem, progress);
        return;
      }
      yield { type: 'resume', after: progress.lastSeq ?? -1 };
      const path = `/v1/chat/streams/${encodeURIComponent(progress.requestId)}`;
      const lastEventId = progress.lastEventId;
      const resumed = yield* retrying(
        ctx,
        () => transport.send(path, { method: 'GET', headers: { accept: 'text/event-stream', 'last-event-id': lastEventId } }, scope),
        attempts + 1,
      );
      res = resumed.value;
      attempts = resumed.attempts;
    }
  } catch (error) {
    if (scope.cancelled || !isBallastProblem(error)) {
      throw scope.cancelled ? scope.reason : error;
    }
    yield failure(error, progress);
  }
}

function failure(problem: BallastProblem, progress: Progress): StreamEvent {
  return { type: 'error', problem, text: progress.text, partial: progress.text.length > 0 };
}

async function* retrying(
  ctx: ChatStreamContext,
  attempt: () => Promise<Response>,
  firstAttempt: number,
): AsyncGenerator<StreamEvent, { value: Response; attempts: number }> {
  const attempts = withRetries(ctx.scope, ctx.retry, ctx.random, attempt, firstAttempt);
  for (;;) {
    const step = await attempts.next();
    if (step.done) {
      return step.value;
    }
    const retry: RetryEvent = step.value;
    yield { type: 'retry', ...retry };
  }
}

/** Forwards the body's deltas; says how the body ended. Events at or before the last seen seq (a resume's overlap) are dropped. */
async function* readEvents(res: Response, progress: Progress, scope: CallScope): AsyncGenerator<StreamEvent, Ending> {
  if (!res.body) {
    return { kind: 'broken', problem: interrupted('The stream had no body.') };
  }
  try {
    for await (const item of readSse(res.body)) {
      if (item.kind === 'comment') {
        const continued = CONTINUED.exec(item.text);
        if (continued) {
          yield { type: 'fallback', model: continued[1] };
        }
        continue;
      }
      const { event } = item;
      if (event.id !== undefined) {
        const seq = seqOf(event.id);
        if (seq !== undefined && progress.lastSeq !== undefined && seq <= progress.lastSeq) {
          continue;
        }
        progress.lastEventId = event.id;
        progress.lastSeq = seq;
      }
      if (event.event === 'error') {
        return { kind: 'failed', problem: BallastProblem.fromStreamError(event.data, progress.requestId) };
      }
      if (event.data === '[DONE]') {
        return { kind: 'done' };
      }
      const text = readChunk(event.data, progress);
      if (text) {
        progress.text += text;
        yield { type: 'delta', text };
      }
    }
    return { kind: 'broken', problem: interrupted('The stream ended before [DONE].') };
  } catch (error) {
    if (scope.signal.aborted) {
      throw scope.reason;
    }
    return { kind: 'broken', problem: interrupted('The connection broke mid-stream.', error) };
  }
}

function interrupted(detail: string, cause?: unknown): BallastProblem {
  return BallastProblem.client('STREAM_INTERRUPTED', detail, { cause });
}

/** `<request_id>:<seq>` → seq. */
function seqOf(id: string): number | undefined {
  const seq = Number(id.slice(id.lastIndexOf(':') + 1));
  return Number.isInteger(seq) ? seq : undefined;
}

/** The text of one chat.completion.chunk (first choice); remembers usage when the chunk carries it. */
function readChunk(data: string, progress: Progress): string {
  let chunk: { choices?: Array<{ delta?: { content?: unknown } }>; usage?: Usage | null };
  try {
    chunk = JSON.parse(data) as typeof chunk;
  } catch {
    return '';
  }
  if (chunk.usage) {
    progress.usage = chunk.usage;
  }
  const content = chunk.choices?.[0]?.delta?.content;
  return typeof content === 'string' ? content : '';
}
