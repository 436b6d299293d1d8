import { BallastError } from '@ballast/errors';
import { requestContext, requestTimings, traceEvent } from '@ballast/observability';
import { abortableSleep, BulkheadSlot, failureRule, Move, nextMove, ProviderPolicy } from '@ballast/resilience';
import { exhaustedError, RouteFailure } from './exhausted-error';
import { startContender } from './route-contender';
import { Contender, withHedge } from './hedged-attempt';
import { describeTarget, RouteStep, RouteTarget } from './route-target';
import type { Operation, RoutedHolding, WalkEnvironment, WalkRequest } from './route-walk.port';

export type { Operation, RouteOptions, RoutedHolding, WalkEnvironment, WalkRequest } from './route-walk.port';

type Leaving = Exclude<Move, { kind: 'retry' }>;
type MemberResult<T> = { served: RoutedHolding<T> } | { move: Leaving; failure: BallastError };

/**
 * One request's way along its route: asks each member's policy for a slot
 * and an attempt, and `nextMove` where to go after a failure; keeps the
 * failures for the final answer.
 */
export class RouteWalk<T> {
  private readonly failures: RouteFailure[] = [];
  private attempts = 0;
  /** Attempts on the current step (its members share its retries). */
  private stepAttempts = 0;
  /** Raised by a context-length failure: only members with a larger (or unknown) window may follow. */
  private windowAbove = 0;

  constructor(
    private readonly env: WalkEnvironment,
    private readonly request: WalkRequest,
    private readonly operation: Operation<T>,
  ) {}

  async run(): Promise<RoutedHolding<T>> {
    for (const step of this.request.steps) {
      const tried = new Set<RouteTarget>();
      this.stepAttempts = 0;
      for (let member = this.pick(step, tried); member; member = this.pick(step, tried)) {
        tried.add(member);
        const result = await this.onMember(step, member, tried);
        if ('served' in result) {
          return result.served;
        }
        this.request.deadline.throwIfEnded();
        if (result.move.kind === 'fail') {
          throw result.failure;
        }
        this.failures.push({ target: member, error: result.failure });
        if (result.move.kind === 'exhausted') {
          throw this.exhausted();
        }
        if (result.move.kind === 'next-step') {
          break;
        }
      }
    }
    throw this.exhausted();
  }

  /** Every attempt on one member, holding its slot: until it serves, or the next move leads elsewhere. */
  private async onMember(step: RouteStep, member: RouteTarget, tried: Set<RouteTarget>): Promise<MemberResult<T>> {
    const policy = this.env.policies.get(member.providerId)!;
    const { deadline, options } = this.request;
    let slot: BulkheadSlot;
    const queuedAt = performance.now();
    try {
      slot = await policy.admit(deadline);
    } catch (thrown) {
      const refusal = asBallastError(thrown);
      requestTimings(this.request.context)?.waited('queue', performance.now() - queuedAt);
      this.env.recordRefusal(member, refusal.code);
      return { move: this.decide(step, member, tried, refusal, policy) as Leaving, failure: refusal };
    }
    const started = performance.now();
    requestTimings(this.request.context)?.waited('queue', started - queuedAt);
    if (step.index > 0 && this.stepAttempts === 0) {
      this.fallingBack(member);
    }
    this.env.touch(member);
    for (;;) {
      this.attempts++;
      this.stepAttempts++;
      let move = undefined as Move | undefined;
      try {
        const primary = this.contender(
          step,
          member,
          slot,
          (error) => (move = this.decide(step, member, tried, error, policy)).kind === 'retry',
        );
        const { value, winner } = step.hedge
          ? await withHedge<T>(primary, step.hedge, deadline.at, {
              launch: () => this.hedgeOn(step, member, tried),
              discard: options.discard,
              onOutcome: (outcome) => this.env.recordHedge(member, outcome),
            })
          : { value: await primary.result, winner: primary };
        return { served: this.served(winner.member, value, winner.slot, started) };
      } catch (thrown) {
        const failure = asBallastError(thrown);
        move ??= this.decide(step, member, tried, failure, policy);
        if (move.kind === 'retry' && !deadline.ended) {
          policy.spendRetry(this.stepAttempts, failure, move.delayMs);
          try {
            await abortableSleep(move.delayMs, deadline.signal);
            continue;
          } catch {
            // the deadline or the client: reported by the caller
          }
        } else if (move.kind === 'other-member') {
          policy.spendRetry(this.stepAttempts, failure, 0);
        }
        this.leaveMember(member, failure, started, slot);
        return { move: move.kind === 'retry' ? { kind: 'exhausted' } : move, failure };
      }
    }
  }

  private contender(
    step: RouteStep,
    member: RouteTarget,
    slot: BulkheadSlot,
    retriesHere?: (error: BallastError) => boolean,
  ): Contender<T> {
    return startContender(this.request, this.operation, this.env.policies.get(member.providerId)!, step, member, slot, retriesHere);
  }

  /** The second call of a hedged request: another ready member of the pool, with its own slot. */
  private async hedgeOn(step: RouteStep, first: RouteTarget, tried: Set<RouteTarget>): Promise<Contender<T> | undefined> {
    const other = step.balancer?.pick(step.members, (member) => member !== first && !tried.has(member) && this.ready(member));
    if (!other) {
      return undefined;
    }
    let slot: BulkheadSlot;
    try {
      slot = await this.env.policies.get(other.providerId)!.admit(this.request.deadline);
    } catch {
      return undefined;
    }
    tried.add(other);
    this.attempts++;
    this.env.touch(other);
    return this.contender(step, other, slot);
  }

  /** The facts of this failure, and the move they lead to. */
  private decide(step: RouteStep, member: RouteTarget, tried: Set<RouteTarget>, failure: unknown, policy: ProviderPolicy): Move {
    const error = asBallastError(failure);
    const rule = failureRule(error);
    if (rule === 'larger-entry') {
      this.windowAbove = Math.max(this.windowAbove, member.contextWindow ?? 0);
    }
    const laterSteps = this.request.steps.slice(step.index + 1);
    return nextMove({
      rule,
      attempts: this.stepAttempts,
      retries: policy.resilience.retries,
      retryDelayMs: policy.retryDelayMs(error, this.stepAttempts),
      msLeft: this.request.deadline.remainingMs(),
      budgetLeft: policy.hasRetryBudget,
      breakerClosed: policy.breaker.stateName === 'closed',
      otherMember: step.members.some((other) => !tried.has(other) && this.ready(other)),
      laterStep: laterSteps.some((later) => later.members.some((other) => this.ready(other))),
      fallbackAllowed: this.request.fallbackOnContentRejected,
    });
  }

  /** The next member of a step to try: the balancer's choice among those that can serve now, else any left (its refusal then tells why). */
  private pick(step: RouteStep, tried: Set<RouteTarget>): RouteTarget | undefined {
    const left = step.members.filter((member) => !tried.has(member) && this.fits(member));
    const ready = (member: RouteTarget) => !tried.has(member) && this.ready(member);
    return (step.balancer ? step.balancer.pick(step.members, ready) : left.find(ready)) ?? left[0];
  }

  private fits(member: RouteTarget): boolean {
    return Boolean(member.provider[this.request.capability]) && (member.contextWindow ?? Infinity) > this.windowAbove;
  }

  private ready(member: RouteTarget): boolean {
    return this.fits(member) && this.env.policies.get(member.providerId)!.availability === 'available';
  }

  /** A later step's first attempt, after the failures before it: an event on the request's span (the metric counts only fallbacks that answer). */
  private fallingBack(member: RouteTarget): void {
    const last = this.failures.at(-1);
    traceEvent('ballast.fallback', {
      'ballast.route.entry': describeTarget(member),
      'ballast.fallback.from': last && describeTarget(last.target),
      'ballast.error.code': last?.error.code,
    });
  }

  private leaveMember(member: RouteTarget, failure: BallastError, started: number, slot: BulkheadSlot): void {
    slot.release();
    this.env.recordOutcome(member, failure.code, started);
    this.env.logger.warn(
      {
        model: describeTarget(member),
        code: failure.code,
        attempts: this.attempts,
        err: failure.cause ?? failure,
        upstream: failure.upstream,
      },
      'model call failed',
    );
    requestContext.note({ attempts: this.attempts });
  }

  private served(member: RouteTarget, value: T, slot: BulkheadSlot, started: number): RoutedHolding<T> {
    this.env.recordOutcome(member, 'success', started);
    if (!this.request.options.holdSlot) {
      slot.release();
    }
    const fallback = member.index > 0;
    if (fallback) {
      // From the entry whose failure moved the request on (the last of an earlier step), not always the first.
      const from =
        this.failures.filter((failure) => failure.target.index < member.index).at(-1)?.target ?? this.request.steps[0].members[0];
      this.env.recordFallback(from, member);
    }
    requestContext.note({ model: describeTarget(member), attempts: this.attempts, fallback });
    return { value, served: member, attempts: this.attempts, fallback, release: () => slot.release() };
  }

  private exhausted(): BallastError {
    return exhaustedError(this.request.publicModel, this.failures, this.env.policies);
  }
}

function asBallastError(thrown: unknown): BallastError {
  return thrown instanceof BallastError ? thrown : new BallastError('INTERNAL_ERROR', { cause: thrown });
}
