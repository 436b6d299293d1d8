import { BallastError } from '@ballast/errors';
import { failureRule, isUpstreamFault } from './failure-rule';

describe('failureRule', () => {
  const sut = failureRule;

  it.each([
    ['UPSTREAM_UNAVAILABLE', 'retry'],
    ['UPSTREAM_BAD_RESPONSE', 'retry'],
    ['MODEL_OVERLOADED', 'retry'],
    ['MODEL_TIMEOUT', 'leave'],
    ['CIRCUIT_OPEN', 'next'],
    ['CONTEXT_LENGTH_EXCEEDED', 'larger-entry'],
    ['CONTENT_REJECTED', 'opt-in'],
    ['VALIDATION_FAILED', 'final'],
    ['CLIENT_CLOSED_REQUEST', 'final'],
    ['INTERNAL_ERROR', 'final'],
  ] as const)('reads %s as %s from the catalogue', (code, rule) => {
    expect(sut(new BallastError(code))).toBe(rule);
  });

  it('moves on at once from our own shedding instead of retrying into it', () => {
    expect(sut(new BallastError('MODEL_OVERLOADED', { shed: true }))).toBe('next');
  });

  it('gives up on anything that is not a BallastError', () => {
    expect(sut(new Error('ECONNRESET'))).toBe('final');
    expect(sut(undefined)).toBe('final');
  });
});

describe('isUpstreamFault', () => {
  const sut = isUpstreamFault;

  it.each(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_BAD_RESPONSE', 'MODEL_TIMEOUT', 'MODEL_OVERLOADED'] as const)('is true for %s', (code) => {
    expect(sut(new BallastError(code))).toBe(true);
  });

  it.each(['VALIDATION_FAILED', 'CONTEXT_LENGTH_EXCEEDED', 'CONTENT_REJECTED', 'CIRCUIT_OPEN', 'CLIENT_CLOSED_REQUEST'] as const)(
    'is false for %s',
    (code) => {
      expect(sut(new BallastError(code))).toBe(false);
    },
  );

  it('is false for our own shedding and for errors that are not BallastErrors', () => {
    expect(sut(new BallastError('MODEL_OVERLOADED', { shed: true }))).toBe(false);
    expect(sut(new Error('ECONNRESET'))).toBe(false);
  });
});
