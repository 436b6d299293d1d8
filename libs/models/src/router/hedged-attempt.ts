import { BallastError } from '@ballast/errors';
import { BulkheadSlot, hedgeDelay } from '@ballast/resilience';
import type { RouteTarget, StepHedge } from './route-target';

/** One call in flight on one member. */
export interface Contender<T> {
  readonly member: RouteTarget;
  readonly slot: BulkheadSlot;
  readonly result: Promise<T>;
  abort(reason: unknown): void;
}

export type HedgeOutcome = 'won' | 'lost' | 'cancelled';

export interface HedgeRace<T> {
  /** When the hedge fires: a second call on another member, or undefined when none can take it. */
  launch(): Promise<Contender<T> | undefined>;
  /** A value that arrived after its race was already decided (a stream to close). */
  discard?(value: T): void;
  onOutcome(outcome: HedgeOutcome): void;
}

type Settled<T> = { ok: true; value: T; contender: Contender<T> } | { ok: false; error: unknown; contender: Contender<T> };

function settle<T>(contender: Contender<T>): Promise<Settled<T>> {
  return contender.result.then(
    (value) => ({ ok: true as const, value, contender }),
    (error: unknown) => ({ ok: false as const, error, contender }),
  );
}

const lostRace = () => new BallastError('CLIENT_CLOSED_REQUEST', { cause: new Error('the other call of a hedged request answered first') });

/**
 * Hedged request: if `primary` has not answered after the hedge delay, the
 * same call goes to a second member; the first good answer wins and the
 * other call is aborted at once (its slot freed when it has stopped). When
 * both fail, the primary's failure is the outcome. No hedge when the delay
 * is unknown yet or the deadline could not fit one (hedgeDelay), or when the
 * hedge budget is spent.
 */
export async function withHedge<T>(
  primary: Contender<T>,
  hedge: StepHedge,
  deadlineAt: number,
  race: HedgeRace<T>,
): Promise<{ value: T; winner: Contender<T> }> {
  hedge.budget.recordCall();
  const first = settle(primary);
  const now = Date.now();
  const delays = [...hedge.recent.values()].map((recent) => hedgeDelay(now, deadlineAt, hedge.settings, recent));
  const known = delays.filter((ms): ms is number => ms !== undefined);
  const delayMs = known.length > 0 ? Math.min(...known) : undefined;
  let timer: NodeJS.Timeout | undefined;
  const fired = delayMs === undefined ? undefined : new Promise<'fire'>((resolve) => (timer = setTimeout(() => resolve('fire'), delayMs)));
  const early = await Promise.race(fired ? [first, fired] : [first]);
  clearTimeout(timer);
  if (early !== 'fire') {
    return unwrap(early);
  }
  const second = hedge.budget.tryAcquire() ? await race.launch() : undefined;
  if (!second) {
    return unwrap(await first);
  }
  const other = settle(second);
  const sooner = await Promise.race([first, other]);
  const decided = sooner.ok ? sooner : await (sooner.contender === primary ? other : first);
  if (!decided.ok) {
    race.onOutcome('cancelled');
    second.slot.release();
    return unwrap(await first);
  }
  const loser = decided.contender === primary ? second : primary;
  race.onOutcome(decided.contender === primary ? 'lost' : 'won');
  loser.abort(lostRace());
  void (loser === primary ? first : other).then((late) => {
    loser.slot.release();
    if (late.ok) {
      race.discard?.(late.value);
    }
  });
  return { value: decided.value, winner: decided.contender };
}

function unwrap<T>(settled: Settled<T>): { value: T; winner: Contender<T> } {
  if (!settled.ok) {
    throw settled.error;
  }
  return { value: settled.value, winner: settled.contender };
}
