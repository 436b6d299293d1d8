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

/** Ballast's API_KEYS in the bench: a handful of client services, as a deployment has (each request checks them all). */
export const API_KEYS = Array.from({ length: 16 }, (_, i) => `bench-key-${i.toString().padStart(2, '0')}`);

/**
 * The headers of request i: JSON, one of the API keys (Ballast authenticates
 * every request, and the rate limiter counts per key), and the address of
 * one of CLIENTS clients, as behind an ingress. Going direct and the other
 * middles ignore both.
 */
export function clientHeaders(i: number): Record<string, string> {
  const client = i % CLIENTS;
  return {
    'content-type': 'application/json',
    authorization: `Bearer ${API_KEYS[client % API_KEYS.length]}`,
    'x-forwarded-for': `10.0.${client >> 8}.${client & 255}`,
  };
}
