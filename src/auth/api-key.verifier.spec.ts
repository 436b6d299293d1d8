import { createHash, createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppConfig } from '../config';
import { ApiKeyVerifier, presentedKeys } from './api-key.verifier';

const silentLogger = { warn: jest.fn(), info: jest.fn() } as unknown as Logger;

function verifier(apiKeys: string[]): ApiKeyVerifier {
  return new ApiKeyVerifier({ apiKeys } as AppConfig, silentLogger);
}

describe('presentedKeys', () => {
  it.each([
    [{ authorization: 'Bearer abc' }, ['abc']],
    [{ authorization: 'bearer   abc  ' }, ['abc']],
    [{ authorization: 'Basic abc' }, []],
    [{ authorization: 'Bearer' }, []],
    [{ authorization: 'Bearer a b' }, []],
    [{ 'x-api-key': ' xyz ' }, ['xyz']],
    [{ 'x-api-key': '' }, []],
    [{ authorization: 'Bearer abc', 'x-api-key': 'xyz' }, ['abc', 'xyz']],
    [{}, []],
  ])('reads %j as %j', (headers, keys) => {
    expect(presentedKeys(headers)).toEqual(keys);
  });
});

describe('ApiKeyVerifier', () => {
  const sut = verifier(['alpha-key-1', 'beta-key-2']);

  it('is off without keys', () => {
    expect(verifier([]).enabled).toBe(false);
    expect(sut.enabled).toBe(true);
  });

  it('accepts each configured key and names it by a stable id that does not contain it', () => {
    const alpha = sut.verify('alpha-key-1');
    const beta = sut.verify('beta-key-2');
    expect(alpha).toMatch(/^key:[0-9a-f]{16}$/);
    expect(beta).toMatch(/^key:[0-9a-f]{16}$/);
    expect(alpha).not.toBe(beta);
    expect(sut.verify('alpha-key-1')).toBe(alpha);
    expect(alpha).not.toContain('alpha');
  });

  it.each(['', 'alpha', 'alpha-key-', 'alpha-key-1 ', 'alpha-key-12', 'ALPHA-KEY-1'])('refuses %p', (presented) => {
    expect(sut.verify(presented)).toBeUndefined();
  });

  it('names keys by an HMAC, never by a plain digest of the key (guesses cannot be checked against Redis)', () => {
    const plain = createHash('sha256').update('alpha-key-1').digest('hex').slice(0, 16);
    expect(sut.verify('alpha-key-1')).not.toBe(`key:${plain}`);
  });

  it('gives every replica with the same keys the same ids, and another RATE_LIMIT_KEY_SECRET other ids', () => {
    expect(verifier(['beta-key-2', 'alpha-key-1']).verify('alpha-key-1')).toBe(sut.verify('alpha-key-1'));
    const salted = new ApiKeyVerifier({ apiKeys: ['alpha-key-1'], rateLimitKeySecret: 's3cret' } as AppConfig, silentLogger);
    expect(salted.verify('alpha-key-1')).toMatch(/^key:[0-9a-f]{16}$/);
    expect(salted.verify('alpha-key-1')).not.toBe(sut.verify('alpha-key-1'));
  });

  it('keeps the ids of earlier releases (rate-limit counters in Redis stay with their key across a rolling update)', () => {
    const derivedSecret = createHash('sha256').update(['alpha-key-1', 'beta-key-2'].sort().join('\n')).digest();
    const expected = `key:${createHmac('sha256', derivedSecret).update('beta-key-2').digest('hex').slice(0, 16)}`;
    expect(sut.verify('beta-key-2')).toBe(expected);
  });

  it('warns at start-up when no key is configured', () => {
    const logger = { warn: jest.fn(), info: jest.fn() } as unknown as Logger;
    new ApiKeyVerifier({ apiKeys: [] as string[] } as AppConfig, logger).onApplicationBootstrap();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('API_KEYS is not set'));
  });
});
