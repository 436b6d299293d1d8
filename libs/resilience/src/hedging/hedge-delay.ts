import type { RecentLatencies } from './recent-latencies';

/** A model's hedge setting: a fixed delay, or the pool's recent percentile of time to answer. */
export type HedgeSettings = { afterMs: number } | { percentile: number };

/**
 * The least an adaptive hedge waits. Timers fire to the millisecond, from a loop clock that can be most of one
 * behind when the timer is set, so a delay of a millisecond or two fires on that error, not on a slow call: against
 * ~1 ms upstreams a p95 delay hedged a quarter of all calls and spent the budget before the slow ones came.
 */
export const MIN_ADAPTIVE_HEDGE_DELAY_MS = 5;

/**
 * How long after sending the first call to send the hedge, or undefined for
 * no hedge: when an adaptive delay has too few recent calls to go by, or when
 * a hedge sent then could not answer before the deadline (a typical call,
 * the recent median, must still fit after it).
 */
export function hedgeDelay(now: number, deadlineAt: number, settings: HedgeSettings, recent: RecentLatencies): number | undefined {
  const delayMs = 'afterMs' in settings ? settings.afterMs : adaptiveDelay(recent.percentile(settings.percentile));
  if (delayMs === undefined) {
    return undefined;
  }
  const typicalMs = recent.percentile(50) ?? 0;
  return now + delayMs + typicalMs < deadlineAt ? delayMs : undefined;
}

function adaptiveDelay(percentileMs: number | undefined): number | undefined {
  return percentileMs === undefined ? undefined : Math.max(MIN_ADAPTIVE_HEDGE_DELAY_MS, percentileMs);
}
