import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Who may resume a stream: a digest of the API-key id that started it
 * (itself a digest, never the key), or '' with auth off, where the request
 * id is the only capability.
 */
export function streamOwner(apiClient: string | undefined): string {
  return apiClient ? createHash('sha256').update(`ballast-stream-owner\u0000${apiClient}`).digest('hex') : '';
}

export function sameOwner(stored: string, presented: string): boolean {
  const a = Buffer.from(stored);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
