/**
 * mulberry32, for the dice of `random-status` and `sometimes`. The upstream's own
 * copy of the one in @ballast/resilience: it also runs standalone (main.ts,
 * docker compose) where the @ballast path aliases are not registered.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
