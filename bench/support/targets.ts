/** The ways to reach the test upstream that the figures compare. */
import { Child } from './children';

/** floor: bench/framework-floor.ts (non-streaming only); ballast2w: Ballast with WORKERS=2 (throughput only). */
export type TargetName = 'direct' | 'proxy' | 'floor' | 'ballast' | 'ballast2w';

export interface Target {
  name: TargetName;
  origin: string;
  /** The model name this target expects in a chat request. */
  model: string;
  /** The process in the middle (proxy, floor, Ballast); none when going direct. */
  process?: Child;
}

export const CHAT_PATH = '/v1/chat/completions';
export const UPSTREAM_MODEL = 'bench-model';

export function chatBody(target: Target, stream = false): string {
  return JSON.stringify({
    model: target.model,
    messages: [{ role: 'user', content: 'Say hello.' }],
    ...(stream ? { stream: true } : {}),
  });
}

/** Distinct clients the load is spread over (X-Forwarded-For, with TRUST_PROXY on), as behind an ingress. */
export const CLIENTS = 512;

/**
 * The headers of request i: JSON, and the address of one of CLIENTS clients,
 * so the rate limiter counts per client as in production (RATE_LIMIT_RPM at
 * its default) instead of seeing one client at thousands of requests/s.
 */
export function clientHeaders(i: number): Record<string, string> {
  const client = i % CLIENTS;
  return { 'content-type': 'application/json', 'x-forwarded-for': `10.0.${client >> 8}.${client & 255}` };
}
