/** Full jitter (AWS architecture blog): random(0, min(max, base * 2^attempt)). */
export function fullJitterDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/**
 * The wait before the next attempt: the jittered backoff, but never shorter
 * than what the upstream asked for with Retry-After.
 */
export function retryDelayMs(
  attempt: number,
  settings: { backoffBaseMs: number; backoffMaxMs: number },
  retryAfterSeconds: number | undefined,
  random?: () => number,
): number {
  const jittered = fullJitterDelayMs(attempt, settings.backoffBaseMs, settings.backoffMaxMs, random);
  return retryAfterSeconds === undefined ? jittered : Math.max(jittered, Math.ceil(retryAfterSeconds * 1000));
}
