import { FailureFacts, nextMove } from './next-move';

/** A request that may do anything: first attempt, retries and budget left, time to spare, nobody else to go to. */
function facts(overrides: Partial<FailureFacts>): FailureFacts {
  return {
    rule: 'retry',
    attempts: 1,
    retries: 2,
    retryDelayMs: 100,
    msLeft: 60_000,
    budgetLeft: true,
    breakerClosed: true,
    otherMember: false,
    laterStep: false,
    fallbackAllowed: false,
    ...overrides,
  };
}

describe('nextMove', () => {
  const sut = nextMove;

  describe('a transient failure (retry)', () => {
    it('retries the same member after the backoff while retries last', () => {
      expect(sut(facts({ attempts: 2, retryDelayMs: 250 }))).toEqual({ kind: 'retry', delayMs: 250 });
    });

    it('moves to another member of the pool at once, before any backoff', () => {
      expect(sut(facts({ otherMember: true, laterStep: true }))).toEqual({ kind: 'other-member' });
    });

    it('falls through to the next step once retries are spent', () => {
      expect(sut(facts({ attempts: 3, laterStep: true }))).toEqual({ kind: 'next-step' });
      expect(sut(facts({ attempts: 3, otherMember: true, laterStep: true }))).toEqual({ kind: 'next-step' });
    });

    it('is exhausted when retries are spent and nothing follows', () => {
      expect(sut(facts({ attempts: 3 }))).toEqual({ kind: 'exhausted' });
    });

    it('does not retry when the budget is spent, the wait would pass the deadline, or the breaker is not closed', () => {
      expect(sut(facts({ budgetLeft: false, laterStep: true }))).toEqual({ kind: 'next-step' });
      expect(sut(facts({ retryDelayMs: 5_000, msLeft: 4_999 }))).toEqual({ kind: 'exhausted' });
      expect(sut(facts({ breakerClosed: false, laterStep: true }))).toEqual({ kind: 'next-step' });
    });

    it('never retries when retries is 0', () => {
      expect(sut(facts({ retries: 0 }))).toEqual({ kind: 'exhausted' });
      expect(sut(facts({ retries: 0, otherMember: true }))).toEqual({ kind: 'exhausted' });
    });
  });

  describe('an attempt that ran out of time (leave)', () => {
    it('goes to the next step instead of retrying the silent member', () => {
      expect(sut(facts({ rule: 'leave', laterStep: true }))).toEqual({ kind: 'next-step' });
    });

    it('goes to another member first', () => {
      expect(sut(facts({ rule: 'leave', otherMember: true, laterStep: true }))).toEqual({ kind: 'other-member' });
    });

    it('retries the same member only when it is the last option left', () => {
      expect(sut(facts({ rule: 'leave' }))).toEqual({ kind: 'retry', delayMs: 100 });
      expect(sut(facts({ rule: 'leave', attempts: 3 }))).toEqual({ kind: 'exhausted' });
    });
  });

  describe('a refusal without an attempt (next)', () => {
    it('tries another member or the next step, never the same member again', () => {
      expect(sut(facts({ rule: 'next', otherMember: true }))).toEqual({ kind: 'other-member' });
      expect(sut(facts({ rule: 'next', laterStep: true }))).toEqual({ kind: 'next-step' });
      expect(sut(facts({ rule: 'next' }))).toEqual({ kind: 'exhausted' });
    });
  });

  describe('a context-length failure (larger-entry)', () => {
    it('goes to a later step that may fit, never to another member of the same model', () => {
      expect(sut(facts({ rule: 'larger-entry', otherMember: true, laterStep: true }))).toEqual({ kind: 'next-step' });
    });

    it('is the answer when no later step may fit', () => {
      expect(sut(facts({ rule: 'larger-entry', otherMember: true }))).toEqual({ kind: 'fail' });
    });
  });

  describe('a content-policy refusal (opt-in)', () => {
    it('is the answer by default, even with a later step', () => {
      expect(sut(facts({ rule: 'opt-in', laterStep: true, otherMember: true }))).toEqual({ kind: 'fail' });
    });

    it('falls through when the model opts in', () => {
      expect(sut(facts({ rule: 'opt-in', laterStep: true, fallbackAllowed: true }))).toEqual({ kind: 'next-step' });
      expect(sut(facts({ rule: 'opt-in', fallbackAllowed: true }))).toEqual({ kind: 'fail' });
    });
  });

  it('answers a client error at once (final), whatever else could serve', () => {
    expect(sut(facts({ rule: 'final', otherMember: true, laterStep: true }))).toEqual({ kind: 'fail' });
  });
});
