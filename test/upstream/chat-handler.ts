/** POST /v1/chat/completions: answers like OpenAI would, unless the schedule says to misbehave. */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import {
  ChatTurn,
  completionBody,
  DONE_EVENT,
  errorBody,
  MALFORMED_BODY,
  MALFORMED_EVENT,
  replyFor,
  streamEvents,
  usageFor,
} from './chat-responses';
import { FaultSchedule } from './fault-schedule';
import { ResolvedFault } from './faults';
import { dropConnection, JSON_HEADERS, pause, resetConnection, send, write } from './http-io';
import { contentPolicyBody, contextLengthBody, pour } from './provider-faults';

export interface ChatSettings {
  chunks: number;
  chunkDelayMs: number;
  reply: string;
  model: string;
}

/** How a stream misbehaves; all absent = a normal stream. */
interface StreamPlan {
  intervalMs: number;
  silenceMs?: number;
  dropAfter?: number;
  malformed?: boolean;
  /** Event number (1-based) of the first of `badCount` events that are not JSON. */
  badAt?: number;
  badCount?: number;
  /** One `data:` line of this many bytes after the first chunk. */
  hugeLine?: number;
  /** Each chunk carries the time it was written, so a client can tell what the middle added to it alone. */
  stamped?: boolean;
}

const SSE_HEADERS: OutgoingHttpHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' };

export class ChatHandler {
  private sequence = 0;
  /** Chat calls being answered now, and the most at once since the last reset. */
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly settings: ChatSettings,
    private readonly schedule: FaultSchedule,
  ) {}

  async handle(res: ServerResponse, body: unknown): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.once('close', () => this.inFlight--);
    const fault = this.schedule.next(this.inFlight);
    if (fault?.kind === 'latency' && !(await pause(res, fault.ms))) {
      return;
    }
    if (fault?.kind === 'status') {
      return sendStatus(res, fault);
    }
    if (fault?.kind === 'hang') {
      return;
    }
    if (fault?.kind === 'reset') {
      return resetConnection(res);
    }
    if (fault?.kind === 'context-length') {
      return send(res, 400, JSON.stringify(contextLengthBody(fault.wording, fault.maxTokens ?? 4096, fault.requestedTokens ?? 5000)));
    }
    if (fault?.kind === 'content-policy') {
      return send(res, 400, JSON.stringify(contentPolicyBody(fault.wording)));
    }
    if (fault?.kind === 'huge-error') {
      res.writeHead(fault.status, JSON_HEADERS);
      await pour(res, '{"error":{"message":"', fault.bytes, '"}}');
      return;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return send(res, 400, errorBody('The body must be a JSON object.', 'invalid_request_error'));
    }
    const request = body as Record<string, unknown>;
    const turn = this.turnFor(request);
    if (request.stream === true) {
      return this.stream(res, turn, planFor(fault, this.settings.chunkDelayMs));
    }
    return this.answer(res, turn, fault);
  }

  private async answer(res: ServerResponse, turn: ChatTurn, fault: ResolvedFault | undefined): Promise<void> {
    if (fault?.kind === 'silence' && !(await pause(res, fault.ms))) {
      return;
    }
    if (fault?.kind === 'malformed') {
      return send(res, 200, MALFORMED_BODY);
    }
    if (fault?.kind === 'huge-answer') {
      const [head, tail] = completionBody({ ...turn, reply: '\u0000' }).split('\\u0000');
      res.writeHead(200, JSON_HEADERS);
      await pour(res, head, fault.bytes, tail);
      return;
    }
    const body = completionBody(turn);
    if (fault?.kind === 'drop-stream') {
      res.writeHead(200, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(body) });
      res.write(body.slice(0, body.length >> 1));
      return dropConnection(res);
    }
    send(res, 200, body);
  }

  private async stream(res: ServerResponse, turn: ChatTurn, plan: StreamPlan): Promise<void> {
    const events = streamEvents(turn, this.settings.chunks);
    res.writeHead(200, SSE_HEADERS);
    for (let i = 0; i <= events.length; i++) {
      if (i === plan.dropAfter) {
        return dropConnection(res);
      }
      const wait = i === 1 && plan.silenceMs !== undefined ? plan.silenceMs : i > 0 && i < events.length ? plan.intervalMs : 0;
      if (wait > 0 && !(await pause(res, wait))) {
        return;
      }
      if (i === events.length) {
        break;
      }
      if (plan.badAt !== undefined && i + 1 === plan.badAt) {
        for (let bad = 0; bad < (plan.badCount ?? 0); bad++) {
          if (!(await write(res, MALFORMED_EVENT))) {
            return;
          }
        }
      }
      if (!(await write(res, plan.stamped ? stamp(events[i]) : events[i]))) {
        return;
      }
      if (i === 0 && plan.hugeLine !== undefined) {
        await pour(res, 'data: ', plan.hugeLine, '\n\n');
        return;
      }
      if (i === 0 && plan.malformed && !(await write(res, MALFORMED_EVENT))) {
        return;
      }
    }
    if (plan.dropAfter !== undefined) {
      return dropConnection(res);
    }
    res.end(DONE_EVENT);
  }

  private turnFor(body: Record<string, unknown>): ChatTurn {
    const reply = replyFor(body, this.settings.reply);
    const options = body.stream_options as { include_usage?: unknown } | null | undefined;
    return {
      id: `chatcmpl-test${(++this.sequence).toString(36)}`,
      created: Math.floor(Date.now() / 1000),
      model: typeof body.model === 'string' ? body.model : this.settings.model,
      reply,
      usage: usageFor(body, reply),
      includeUsage: options?.include_usage === true,
    };
  }
}

function planFor(fault: ResolvedFault | undefined, chunkDelayMs: number): StreamPlan {
  switch (fault?.kind) {
    case 'drip':
      return { intervalMs: fault.intervalMs, stamped: fault.stamped };
    case 'silence':
      return { intervalMs: chunkDelayMs, silenceMs: fault.ms };
    case 'drop-stream':
      return { intervalMs: chunkDelayMs, dropAfter: fault.afterChunks };
    case 'malformed':
      return { intervalMs: chunkDelayMs, malformed: true };
    case 'bad-events':
      return { intervalMs: chunkDelayMs, badAt: fault.at, badCount: fault.count };
    case 'huge-line':
      return { intervalMs: chunkDelayMs, hugeLine: fault.bytes };
    case 'context-length':
    case 'content-policy':
    case 'huge-error':
    case 'huge-answer':
    case 'latency':
    case 'status':
    case 'hang':
    case 'reset':
    case undefined:
      return { intervalMs: chunkDelayMs };
  }
}

function sendStatus(res: ServerResponse, fault: Extract<ResolvedFault, { kind: 'status' }>): void {
  const headers: OutgoingHttpHeaders = {};
  let body: string;
  if (fault.body === undefined) {
    body = errorBody(`Test upstream fault: status ${fault.status}.`, fault.status === 429 ? 'rate_limit_error' : 'upstream_error');
    headers['content-type'] = 'application/json';
  } else if (typeof fault.body === 'string') {
    body = fault.body;
    headers['content-type'] = fault.body.startsWith('{') ? 'application/json' : 'text/plain; charset=utf-8';
  } else {
    body = JSON.stringify(fault.body);
    headers['content-type'] = 'application/json';
  }
  for (const [name, value] of Object.entries(fault.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  send(res, fault.status, body, headers);
}

/** `data: {…}` with `"sent_at_ms"` first: epoch milliseconds with a fraction, comparable across processes on one machine. */
function stamp(event: string): string {
  return event.replace('data: {', `data: {"sent_at_ms":${performance.timeOrigin + performance.now()},`);
}
