/** The faults the test upstream can inject, and their validation when they arrive as JSON. */
export type Fault =
  | { kind: 'status'; status: number; body?: string | object; headers?: Record<string, string> }
  | { kind: 'latency'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'drop-stream'; afterChunks: number }
  | { kind: 'drip'; intervalMs: number }
  | { kind: 'silence'; ms: number }
  | { kind: 'malformed' }
  | { kind: 'random-status'; rate: number; status: number }
  /** Another fault at this rate, e.g. a 5 s stall on 20% of calls. */
  | { kind: 'sometimes'; rate: number; fault: Fault }
  /** Latency that depends on load: `ms` while at most `aboveInFlight` chat calls run (this one included), `slowMs` past that. */
  | { kind: 'load-latency'; ms: number; aboveInFlight: number; slowMs: number };

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
      return { kind: 'drip', intervalMs: nonNegative(f, 'intervalMs') };
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
