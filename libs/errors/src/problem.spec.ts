import { BallastError } from './ballast-error';
import { MAX_FIELD_ERRORS, toProblem } from './problem';

describe('toProblem', () => {
  it(`lists at most ${MAX_FIELD_ERRORS} field errors and says how many there were`, () => {
    const errors = Array.from({ length: 2_000_001 }, (_, i) => ({ field: `messages[${i}]`, message: 'must be an object' }));
    const sut = toProblem(new BallastError('VALIDATION_FAILED', { errors }));
    expect(sut.errors).toHaveLength(MAX_FIELD_ERRORS);
    expect(sut.errors_total).toBe(2_000_001);
  });

  it('adds no count when every error is listed', () => {
    const sut = toProblem(new BallastError('VALIDATION_FAILED', { errors: [{ field: 'model', message: 'is required' }] }));
    expect(sut.errors).toHaveLength(1);
    expect(sut).not.toHaveProperty('errors_total');
  });
});
