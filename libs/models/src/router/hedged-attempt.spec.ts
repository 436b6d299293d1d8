import { BallastError } from '@ballast/errors';
import { HedgeBudget, PeakEwma, RecentLatencies } from '@ballast/resilience';
import { Contender, HedgeOutcome, withHedge } from './hedged-attempt';
import type { RouteTarget, StepHedge } from './route-target';

/** A call that answers (or fails) after `ms`, or when aborted rejects with the reason; its slot records its release. */
function call(name: string, ms: number, outcome: { value?: string; error?: BallastError } = { value: name }) {
  const released = jest.fn();
  let abort!: (reason: unknown) => void;
  const result = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => (outcome.error ? reject(outcome.error) : resolve(outcome.value!)), ms);
    abort = (reason) => {
      clearTimeout(timer);
      reject(reason);
    };
  });
  const contender: Contender<string> = {
    member: { providerId: name, latency: new PeakEwma() } as unknown as RouteTarget,
    slot: { release: released },
    result,
    abort: jest.fn((reason: unknown) => abort(reason)),
  };
  return contender;
}

function hedgeAfter(afterMs: number, maxExtraRatio = 1): StepHedge {
  const member = {} as RouteTarget;
  return {
    settings: { afterMs },
    budget: new HedgeBudget(maxExtraRatio),
    recent: new Map([[member, new RecentLatencies({ minSamples: 0 })]]),
  };
}

describe('withHedge', () => {
  const sut = withHedge;
  let outcomes: HedgeOutcome[];
  const race = (second?: Contender<string>) => ({
    launch: jest.fn(() => Promise.resolve(second)),
    discard: jest.fn(),
    onOutcome: (outcome: HedgeOutcome) => outcomes.push(outcome),
  });

  beforeEach(() => {
    jest.useFakeTimers();
    outcomes = [];
  });
  afterEach(() => jest.useRealTimers());

  it('sends no hedge when the first call answers before the delay', async () => {
    const first = call('a', 50);
    const hedging = race(call('b', 10));
    const done = sut(first, hedgeAfter(100), Date.now() + 60_000, hedging);
    await jest.advanceTimersByTimeAsync(50);
    await expect(done).resolves.toMatchObject({ value: 'a', winner: first });
    expect(hedging.launch).not.toHaveBeenCalled();
  });

  it('takes the hedge when it answers first, and aborts the stalled call at once', async () => {
    const first = call('a', 5_000);
    const second = call('b', 30);
    const done = sut(first, hedgeAfter(100), Date.now() + 60_000, race(second));
    await jest.advanceTimersByTimeAsync(130);
    await expect(done).resolves.toMatchObject({ value: 'b', winner: second });
    expect(first.abort).toHaveBeenCalledWith(expect.objectContaining({ code: 'CLIENT_CLOSED_REQUEST' }));
    await jest.advanceTimersByTimeAsync(0);
    expect(first.slot.release).toHaveBeenCalled();
    expect(second.slot.release).not.toHaveBeenCalled();
    expect(outcomes).toEqual(['won']);
  });

  it('keeps the first call when it still answers first, and aborts the hedge', async () => {
    const first = call('a', 150);
    const second = call('b', 500);
    const done = sut(first, hedgeAfter(100), Date.now() + 60_000, race(second));
    await jest.advanceTimersByTimeAsync(150);
    await expect(done).resolves.toMatchObject({ value: 'a', winner: first });
    expect(second.abort).toHaveBeenCalled();
    expect(outcomes).toEqual(['lost']);
  });

  it('waits for the other call when one fails, and reports the first call’s failure when both do', async () => {
    const failing = { error: new BallastError('UPSTREAM_UNAVAILABLE') };
    const first = call('a', 300, failing);
    const second = call('b', 200, { error: new BallastError('MODEL_OVERLOADED') });
    const done = sut(first, hedgeAfter(100), Date.now() + 60_000, race(second)).catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(300);
    await expect(done).resolves.toBe(failing.error);
    expect(outcomes).toEqual(['cancelled']);
    expect(second.slot.release).toHaveBeenCalled();
  });

  it('hedges by the fastest member’s percentile, so one member stalling on many calls cannot set the delay to its stall', async () => {
    const healthy = new RecentLatencies({ minSamples: 20 });
    const stalling = new RecentLatencies({ minSamples: 20 });
    for (let i = 0; i < 20; i++) {
      healthy.observe(40 + i);
      stalling.observe(i % 5 === 0 ? 5_000 : 40 + i);
    }
    const hedge: StepHedge = {
      settings: { percentile: 95 },
      budget: new HedgeBudget(1),
      recent: new Map([
        [{} as RouteTarget, healthy],
        [{} as RouteTarget, stalling],
      ]),
    };
    const second = call('b', 40);
    const done = sut(call('a', 5_000), hedge, Date.now() + 60_000, race(second));
    await jest.advanceTimersByTimeAsync(59 + 40);
    await expect(done).resolves.toMatchObject({ value: 'b' });
    expect(outcomes).toEqual(['won']);
  });

  it('sends no hedge past the budget or when the deadline could not fit one', async () => {
    const budgetless = race(call('b', 10));
    const spent = hedgeAfter(100, 0.0001);
    const first = sut(call('a', 200), spent, Date.now() + 60_000, budgetless);
    await jest.advanceTimersByTimeAsync(200);
    await first;
    expect(budgetless.launch).not.toHaveBeenCalled();

    const late = race(call('b', 10));
    const second = sut(call('a', 200), hedgeAfter(100), Date.now() + 50, late);
    await jest.advanceTimersByTimeAsync(200);
    await second;
    expect(late.launch).not.toHaveBeenCalled();
  });
});
