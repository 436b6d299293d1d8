import { CONTEXT_WORDINGS, ContextWording, POLICY_WORDINGS, PolicyWording } from './provider-faults';

/**
 * The faults the test upstream can inject, and their validation when they arrive as JSON.
 * An absurd Retry-After is a `status` fault with headers: `{"kind":"status","status":503,"headers":{"retry-after":"999999"}}`.
 */
export type Fault =
  | { kind: 'status'; status: number; body?: string | object; headers?: Record<string, string> }
  | { kind: 'latency'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'drop-stream'; afterChunks: number }
  /** Stream chunks `intervalMs` apart; `stamped` adds `sent_at_ms` (epoch ms, fractional) to each, set as it is written. */
  | { kind: 'drip'; intervalMs: number; stamped?: boolean }
  | { kind: 'silence'; ms: number }
  | { kind: 'malformed' }
  | { kind: 'random-status'; rate: number; status: number }
  /** Another fault at this rate, e.g. a 5 s stall on 20% of calls. */
  | { kind: 'sometimes'; rate: number; fault: Fault }
  /** Latency that depends on load: `ms` while at most `aboveInFlight` chat calls run (this one included), `slowMs` past that. */
  | { kind: 'load-latency'; ms: number; aboveInFlight: number; slowMs: number }
  /** 400 saying the prompt does not fit, worded as `wording`'s server words it (defaults: window 4096, requested 5000). */
  | { kind: 'context-length'; wording: ContextWording; maxTokens?: number; requestedTokens?: number }
  /** 400 refusing the request by content policy, as OpenAI (`content_policy_violation`) or Azure (`content_filter`) say it. */
  | { kind: 'content-policy'; wording: PolicyWording }
  /** Streams: `count` events that are not JSON, the first of them as event number `at` (1-based), the content events around them. */
  | { kind: 'bad-events'; at: number; count: number }
  /** `status` with an error body of `bytes` bytes, written as the client reads it (never held in memory). */
  | { kind: 'huge-error'; status: number; bytes: number }
  /** Non-streamed: a 200 completion of `bytes` bytes, written as the client reads it. */
  | { kind: 'huge-answer'; bytes: number }
  /** Streams: after the first chunk, one `data:` line of `bytes` bytes. */
  | { kind: 'huge-line'; bytes: number };

/** A fault after the dice were rolled and the load read: each conditional kind has become a plain one or nothing. */
export type ResolvedFault = Exclude<Fault, { kind: 'random-status' | 'sometimes' | 'load-latency' }>;

export function resolveFault(fault: Fault | undefined, random: () => number = Math.random, inFlight = 0): ResolvedFault | undefined {
  if (fault?.kind === 'random-status') {
    return random() < fault.rate ? { kind: 'status', status: fault.status } : undefined;
  }
  if (fault?.kind === 'sometimes') {
    return random() < fault.rate ? resolveFault(fault.fault, random, inFlight) : undefined;
  }
  if (fault?.kind === 'load-latency') {
    return { kind: 'latency', ms: inFlight > fault.aboveInFlight ? fault.slowMs : fault.ms };
  }
  return fault;
}

/** Accepts one fault or a list of them (the body of `POST /__control/enqueue`); throws a readable Error otherwise. */
export function parseFaults(value: unknown): Fault[] {
  return Array.isArray(value) ? value.map(parseFault) : [parseFault(value)];
}

export function parseFault(value: unknown): Fault {
  if (typeof value !== 'object' || value === null) {
    throw new Error('a fault must be an object with a "kind"');
  }
  const f = value as Record<string, unknown>;
  switch (f.kind) {
    case 'status':
      return { kind: 'status', status: httpStatus(f, 'status'), body: statusBody(f.body), headers: stringRecord(f.headers) };
    case 'latency':
      return { kind: 'latency', ms: nonNegative(f, 'ms') };
    case 'hang':
      return { kind: 'hang' };
    case 'reset':
      return { kind: 'reset' };
    case 'drop-stream':
      return { kind: 'drop-stream', afterChunks: nonNegative(f, 'afterChunks', true) };
    case 'drip':
      return { kind: 'drip', intervalMs: nonNegative(f, 'intervalMs'), ...(f.stamped === true ? { stamped: true } : {}) };
    case 'silence':
      return { kind: 'silence', ms: nonNegative(f, 'ms') };
    case 'malformed':
      return { kind: 'malformed' };
    case 'random-status': {
      const rate = nonNegative(f, 'rate');
      if (rate > 1) {
        throw new Error('"rate" must be between 0 and 1');
      }
      return { kind: 'random-status', rate, status: httpStatus(f, 'status') };
    }
    case 'sometimes':
      return { kind: 'sometimes', rate: rateOf(f), fault: parseFault(f.fault) };
    case 'load-latency':
      return {
        kind: 'load-latency',
        ms: nonNegative(f, 'ms'),
        aboveInFlight: nonNegative(f, 'aboveInFlight', true),
        slowMs: nonNegative(f, 'slowMs'),
      };
    case 'context-length':
      return {
        kind: 'context-length',
        wording: oneOf(f, 'wording', CONTEXT_WORDINGS),
        maxTokens: f.maxTokens === undefined ? undefined : nonNegative(f, 'maxTokens', true),
        requestedTokens: f.requestedTokens === undefined ? undefined : nonNegative(f, 'requestedTokens', true),
      };
    case 'content-policy':
      return { kind: 'content-policy', wording: oneOf(f, 'wording', POLICY_WORDINGS) };
    case 'bad-events':
      return { kind: 'bad-events', at: nonNegative(f, 'at', true), count: nonNegative(f, 'count', true) };
    case 'huge-error':
      return { kind: 'huge-error', status: httpStatus(f, 'status'), bytes: nonNegative(f, 'bytes', true) };
    case 'huge-answer':
      return { kind: 'huge-answer', bytes: nonNegative(f, 'bytes', true) };
    case 'huge-line':
      return { kind: 'huge-line', bytes: nonNegative(f, 'bytes', true) };
    default:
      throw new Error(`unknown fault kind ${JSON.stringify(f.kind)}`);
  }
}

function rateOf(f: Record<string, unknown>): number {
  const rate = nonNegative(f, 'rate');
  if (rate > 1) {
    throw new Error('"rate" must be between 0 and 1');
  }
  return rate;
}

function nonNegative(f: Record<string, unknown>, key: string, integer = false): number {
  const v = f[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw new Error(`"${key}" must be a non-negative ${integer ? 'integer' : 'number'}`);
  }
  return v;
}

function httpStatus(f: Record<string, unknown>, key: string): number {
  const v = f[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 200 || v > 599) {
    throw new Error(`"${key}" must be an HTTP status between 200 and 599`);
  }
  return v;
}

function statusBody(v: unknown): string | object | undefined {
  if (v === undefined || typeof v === 'string' || (typeof v === 'object' && v !== null)) {
    return v;
  }
  throw new Error('"body" must be a string or an object');
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (v === undefined) {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new Error('"headers" must be an object of strings');
  }
  return v as Record<string, string>;
}

function oneOf<T extends string>(f: Record<string, unknown>, key: string, values: readonly T[]): T {
  const v = f[key];
  if (typeof v !== 'string' || !values.includes(v as T)) {
    throw new Error(`"${key}" must be one of ${values.join(', ')}`);
  }
  return v as T;
}
