import { BallastError } from '@ballast/errors';
import { allowsFallback, isTransient } from './transient';

describe('isTransient', () => {
  const sut = isTransient;

  it.each(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_BAD_RESPONSE', 'MODEL_TIMEOUT', 'MODEL_OVERLOADED'] as const)('is true for %s', (code) => {
    expect(sut(new BallastError(code))).toBe(true);
  });

  it.each(['VALIDATION_FAILED', 'CONTEXT_LENGTH_EXCEEDED', 'CIRCUIT_OPEN', 'INTERNAL_ERROR', 'CLIENT_CLOSED_REQUEST'] as const)(
    'is false for %s',
    (code) => {
      expect(sut(new BallastError(code))).toBe(false);
    },
  );

  it('is false for anything that is not a BallastError', () => {
    expect(sut(new Error('ECONNRESET'))).toBe(false);
    expect(sut(undefined)).toBe(false);
    expect(sut('UPSTREAM_UNAVAILABLE')).toBe(false);
  });
});

describe('allowsFallback', () => {
  const sut = allowsFallback;

  it('allows moving on after a transient failure or an open circuit', () => {
    expect(sut(new BallastError('UPSTREAM_UNAVAILABLE'))).toBe(true);
    expect(sut(new BallastError('CIRCUIT_OPEN'))).toBe(true);
  });

  it('does not after a client error', () => {
    expect(sut(new BallastError('VALIDATION_FAILED'))).toBe(false);
    expect(sut(new Error('boom'))).toBe(false);
  });
});
