import type { RecentLatencies } from './recent-latencies';

/** A model's hedge setting: a fixed delay, or the pool's recent percentile of time to answer. */
export type HedgeSettings = { afterMs: number } | { percentile: number };

/**
 * How long after sending the first call to send the hedge, or undefined for
 * no hedge: when an adaptive delay has too few recent calls to go by, or when
 * a hedge sent then could not answer before the deadline (a typical call,
 * the recent median, must still fit after it).
 */
export function hedgeDelay(now: number, deadlineAt: number, settings: HedgeSettings, recent: RecentLatencies): number | undefined {
  const delayMs = 'afterMs' in settings ? settings.afterMs : recent.percentile(settings.percentile);
  if (delayMs === undefined) {
    return undefined;
  }
  const typicalMs = recent.percentile(50) ?? 0;
  return now + delayMs + typicalMs < deadlineAt ? delayMs : undefined;
}
