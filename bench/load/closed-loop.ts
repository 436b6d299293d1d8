/** The highest rate a target sustains: autocannon, closed loop (each connection sends when answered). */
import autocannon from 'autocannon';
import { CLIENTS, clientHeaders } from '../support/targets';

export interface ClosedLoopResult {
  connections: number;
  requests: number;
  /** Answered requests per second, 2xx or not. */
  rps: number;
  /** Non-2xx, errors and timeouts, over every request. */
  errorRate: number;
  latencyP50: number;
  latencyP99: number;
}

export async function closedLoop(url: string, body: string, connections: number, durationMs: number): Promise<ClosedLoopResult> {
  const result = await autocannon({
    url,
    // Each connection cycles through the clients.
    requests: Array.from({ length: CLIENTS }, (_, i) => ({ method: 'POST', headers: clientHeaders(i), body })),
    connections,
    duration: durationMs / 1000,
    timeout: 10,
  });
  const requests = result.requests.total;
  const failures = result.non2xx + result.errors + result.timeouts;
  return {
    connections,
    requests,
    rps: requests / (durationMs / 1000),
    errorRate: requests + result.errors + result.timeouts > 0 ? failures / (requests + result.errors + result.timeouts) : 1,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  };
}
