/**
 * An open-loop sender: request i leaves at start + i / rate, whether or not
 * earlier ones have been answered (autocannon's -R sends each second's
 * quota in a burst instead). Latency is measured from the moment a request
 * is handed to the pool to the end of its body.
 */
import { performance } from 'node:perf_hooks';
import { Dispatcher, Pool } from 'undici';
import { clientHeaders } from '../support/targets';

export interface PacedOptions {
  rate: number;
  durationMs: number;
  path: string;
  body: string;
  /** A request still unanswered after this long is aborted and counted as hung. */
  timeoutMs: number;
  /** Checks each answer; returns an error description, or undefined when it is acceptable. */
  check?: (status: number, body: string, headers: Record<string, unknown>) => string | undefined;
}

export interface PacedResult {
  sent: number;
  /** Ended with a complete HTTP response. */
  answered: number;
  /** 2xx answers. */
  ok: number;
  /** No answer within timeoutMs. */
  hung: number;
  /** Connection errors (no HTTP response at all). */
  failed: number;
  /** Answers `check` objected to, with a few examples. */
  invalid: number;
  invalidExamples: string[];
  statuses: Record<string, number>;
  /** Latency of every answered request, ms. */
  latencies: number[];
  /** Latency of 2xx answers, ms. */
  okLatencies: number[];
  /** How late the sender itself fired, ms (p99): above ~1 ms the numbers are the sender's, not the target's. */
  scheduleSlipP99: number;
}

export function pool(origin: string, connections = 256): Pool {
  return new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
}

export async function paced(target: Dispatcher, options: PacedOptions): Promise<PacedResult> {
  const total = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const interval = 1000 / options.rate;
  const result: PacedResult = {
    sent: 0,
    answered: 0,
    ok: 0,
    hung: 0,
    failed: 0,
    invalid: 0,
    invalidExamples: [],
    statuses: {},
    latencies: [],
    okLatencies: [],
    scheduleSlipP99: 0,
  };
  const slips: number[] = [];
  const inFlight: Promise<void>[] = [];

  const fire = (scheduledAt: number, index: number): Promise<void> => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), options.timeoutMs);
    const startedAt = performance.now();
    slips.push(startedAt - scheduledAt);
    result.sent++;
    return target
      .request({
        method: 'POST',
        path: options.path,
        headers: clientHeaders(index),
        body: options.body,
        signal: abort.signal,
      })
      .then(async (response) => {
        const text = await response.body.text();
        const latency = performance.now() - startedAt;
        result.answered++;
        result.latencies.push(latency);
        result.statuses[response.statusCode] = (result.statuses[response.statusCode] ?? 0) + 1;
        if (response.statusCode >= 200 && response.statusCode < 300) {
          result.ok++;
          result.okLatencies.push(latency);
        }
        const problem = options.check?.(response.statusCode, text, response.headers);
        if (problem) {
          result.invalid++;
          if (result.invalidExamples.length < 3) {
            result.invalidExamples.push(problem);
          }
        }
      })
      .catch(() => {
        if (abort.signal.aborted) {
          result.hung++;
        } else {
          result.failed++;
        }
      })
      .finally(() => clearTimeout(timer));
  };

  const start = performance.now() + 20;
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        inFlight.push(fire(start + next * interval, next));
        next++;
      }
      if (next >= total) {
        resolve();
        return;
      }
      // Timers fire late, never early: aim a little before the next slot.
      setTimeout(tick, Math.max(0, start + next * interval - performance.now() - 0.5));
    };
    tick();
  });
  await Promise.all(inFlight);
  slips.sort((a, b) => a - b);
  result.scheduleSlipP99 = slips[Math.floor(slips.length * 0.99)] ?? 0;
  return result;
}
